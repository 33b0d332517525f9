import { describe, expect, it } from 'vitest';
import { WireError, encodeReply, isBlocking, parseCommand, parseCommands } from './wire.ts';

describe('parseCommand', () => {
  it('upper-cases the name and keeps strings, numbers and booleans as arguments', () => {
    expect(parseCommand(['set', 'k', 'v', 'EX', 100])).toEqual(['SET', 'k', 'v', 'EX', 100]);
    expect(parseCommand(['set', 'k', true])).toEqual(['SET', 'k', 'true']);
  });

  it('refuses what is not a command, naming the problem', () => {
    expect(() => parseCommand({ cmd: 'GET' })).toThrow(WireError);
    expect(() => parseCommand([])).toThrow(/non-empty JSON array/);
    expect(() => parseCommand([1])).toThrow(/command name/);
    expect(() => parseCommand(['SET', 'k', null])).toThrow(/argument 2/);
    expect(() => parseCommand(['GET', Number.NaN])).toThrow(/argument 1/);
    expect(() => parseCommand(['select', 1])).toThrow(/'select' is not supported/);
  });

  it('refuses a whole batch when one row is bad', () => {
    expect(() => parseCommands([['PING'], 'PING'])).toThrow(WireError);
    expect(parseCommands([['ping'], ['get', 'k']])).toEqual([['PING'], ['GET', 'k']]);
  });
});

describe('encodeReply', () => {
  const reply = [Buffer.from('OK'), '42', null, [Buffer.from('é')]];

  it('maps bulk strings, integers, nil and nested arrays', () => {
    expect(encodeReply(reply, false)).toEqual(['OK', 42, null, ['é']]);
    expect(encodeReply(Buffer.from([0xff]), false)).toBe('\ufffd');
  });

  it('base64-encodes every string but a top-level "OK"', () => {
    expect(encodeReply(Buffer.from('OK'), true)).toBe('OK');
    expect(encodeReply(reply, true)).toEqual(['T0s=', 42, null, ['w6k=']]);
    expect(encodeReply(Buffer.from([0xff]), true)).toBe('/w==');
  });

  it('keeps integers beyond 2^53 exact', () => {
    expect(JSON.stringify({ result: encodeReply('18446744073709551615', true) })).toBe(
      '{"result":18446744073709551615}',
    );
  });
});

describe('isBlocking', () => {
  it('knows blocking list commands and XREAD … BLOCK', () => {
    expect(isBlocking(['BLPOP', 'q', 1])).toBe(true);
    expect(isBlocking(['XREAD', 'block', 0, 'STREAMS', 's', '$'])).toBe(true);
    expect(isBlocking(['XREAD', 'STREAMS', 's', '0'])).toBe(false);
    expect(isBlocking(['LPOP', 'q'])).toBe(false);
  });
});
