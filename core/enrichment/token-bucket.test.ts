import { describe, expect, it } from 'vitest';
import { minimumDurationMs, TokenBucket } from './token-bucket.ts';

describe('TokenBucket', () => {
  it('refills continuously at limit/60 per second up to its capacity', () => {
    const b = new TokenBucket(60, 0);
    expect(b.tryTake(60, 0)).toBe(true);
    expect(b.tryTake(1, 0)).toBe(false);
    expect(b.waitMs(1, 0)).toBe(1_000);
    expect(b.level(30_000)).toBeCloseTo(30);
    expect(b.level(600_000)).toBe(60);
    expect(b.waitMs(61, 0)).toBe(Infinity);
    expect(b.fullAtMs(600_000)).toBe(600_000);
  });

  it('refuses a non-positive limit', () => {
    expect(() => new TokenBucket(0, 0)).toThrow(RangeError);
  });
});

describe('minimumDurationMs', () => {
  it('names the slowest bucket: 100 calls at 50 RPM need 60 s (50 burst + 50 refilled)', () => {
    const tier = {
      requestsPerMinute: 50,
      inputTokensPerMinute: 50_000,
      outputTokensPerMinute: 10_000,
    };
    expect(minimumDurationMs(tier, 100, { inputTokens: 100, outputTokensUsed: 120 })).toEqual({
      durationMs: 60_000,
      binding: 'requestsPerMinute',
    });
    // Output binds once answers are long: 100 × 300 = 30k, 10k burst, 20k more at 10k/min.
    expect(minimumDurationMs(tier, 100, { inputTokens: 10, outputTokensUsed: 300 }).binding).toBe(
      'outputTokensPerMinute',
    );
    expect(minimumDurationMs(tier, 10, { inputTokens: 10, outputTokensUsed: 10 }).durationMs).toBe(
      0,
    );
  });
});
