import { describe, expect, it } from 'vitest';
import { backoffMs, backoffSchedule } from './backoff.ts';

describe('retry back-off', () => {
  it('doubles from 1 s and caps at 60 s', () => {
    expect(backoffSchedule(8)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
  });

  it('keeps jitter within half to all of the delay', () => {
    expect(backoffMs(3, undefined, () => 0)).toBe(2_000);
    expect(backoffMs(3, undefined, () => 1)).toBe(4_000);
  });

  it('waits nothing before any failure', () => {
    expect(backoffMs(0)).toBe(0);
  });
});
