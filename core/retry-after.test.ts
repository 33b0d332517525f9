import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryAfterSeconds } from './retry-after.ts';

const now = new Date('2026-11-26T09:00:00Z');

describe('Retry-After', () => {
  it('reads delay-seconds, never below one second', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(1_000);
    expect(retryAfterSeconds('7', now)).toBe(7);
  });

  it('reads HTTP dates (IMF-fixdate and the obsolete forms)', () => {
    expect(retryAfterMs('Thu, 26 Nov 2026 09:00:12 GMT', now)).toBe(12_000);
    expect(retryAfterMs('Thursday, 26-Nov-26 09:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterSeconds('Thu, 26 Nov 2026 09:00:01 GMT', now)).toBe(1);
    // A date in the past: retry now, but not in a tight loop.
    expect(retryAfterMs('Thu, 26 Nov 2026 08:00:00 GMT', now)).toBe(1_000);
  });

  it('is undefined for an absent or unreadable header', () => {
    for (const v of [null, undefined, '', '  ', '-5', '1.5', 'soon', '+3']) {
      expect(retryAfterMs(v, now), String(v)).toBeUndefined();
    }
  });
});
