import { describe, expect, it } from 'vitest';
import { describeError } from './describe-error.ts';

describe('describeError', () => {
  it('never answers undefined or an empty text, whatever was thrown', () => {
    const thrown: unknown[] = [
      undefined,
      null,
      '',
      '   ',
      0,
      false,
      {},
      [],
      new Error(''),
      Object.create(null),
      new AggregateError([]),
    ];
    for (const [i, value] of thrown.entries()) {
      const text = describeError(value);
      expect(text, `thrown[${i}]`).not.toMatch(/^\s*$|^undefined$|: undefined/);
    }
    expect(describeError(undefined)).toBe('an empty rejection (no error value was thrown)');
    expect(describeError(new Error(''))).toBe('Error without a message');
  });

  it('names the code and the first inner error of an AggregateError (net, all addresses refused)', () => {
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}:5432`), { code: 'ECONNREFUSED' });
    const error = Object.assign(new AggregateError([refused('::1'), refused('127.0.0.1')]), {
      code: 'ECONNREFUSED',
    });
    expect(error.message).toBe('');
    expect(describeError(error)).toBe('ECONNREFUSED: connect ECONNREFUSED ::1:5432 (and 1 more)');
  });

  it('keeps the message, adds a code it does not already say, escapes control characters, bounds length', () => {
    expect(describeError(Object.assign(new Error('no such table'), { code: '42P01' }))).toBe(
      '42P01: no such table',
    );
    expect(describeError('line one\nforged: line')).toBe('line one\\u000aforged: line');
    expect(describeError(new Error('x'.repeat(5_000)))).toHaveLength(300);
    expect(describeError({ status: 503 })).toBe('Error {"status":503}');
  });
});
