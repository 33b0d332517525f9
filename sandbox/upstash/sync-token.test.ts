import { describe, expect, it } from 'vitest';
import { createSyncClock } from './sync-token.ts';

describe('read-your-writes sync tokens', () => {
  it('the token moves on when a request ran commands, and only then', () => {
    const clock = createSyncClock('0123456789ab');
    const before = clock.current();
    expect(clock.current()).toBe(before);
    clock.advance();
    expect(clock.current()).not.toBe(before);
    expect(clock.current()).toBe('0123456789ab.1');
  });

  it('a token this bridge issued is reached; none, or an empty one, asks for nothing', () => {
    const clock = createSyncClock('0123456789ab');
    clock.advance();
    const issued = clock.current();
    clock.advance();
    expect(clock.check(issued)).toEqual({ kind: 'reached', position: 1 });
    expect(clock.check(clock.current())).toEqual({ kind: 'reached', position: 2 });
    expect(clock.check(undefined)).toEqual({ kind: 'none' });
    expect(clock.check('')).toEqual({ kind: 'none' });
  });

  it('a token from another bridge is foreign; garbage or a future position is invalid', () => {
    const clock = createSyncClock('0123456789ab');
    expect(clock.check(createSyncClock('ba9876543210').current())).toEqual({ kind: 'foreign' });
    expect(clock.check('not-a-token')).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/^ERR invalid upstash-sync-token/),
    });
    expect(clock.check('0123456789ab.5')).toMatchObject({ kind: 'invalid' });
  });

  it('two bridges never issue the same token', () => {
    expect(createSyncClock().current()).not.toBe(createSyncClock().current());
  });
});
