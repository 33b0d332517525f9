import { describe, expect, it } from 'vitest';
import { distribution, percentileCountingFailures } from './stats.ts';

describe('load statistics', () => {
  it('HDR percentiles are exact to 0.1 %', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const d = distribution(values);
    expect(d.count).toBe(1000);
    expect(d.p50).toBeCloseTo(500, -0.5);
    expect(Math.abs(d.p95 - 950) / 950).toBeLessThan(0.002);
    expect(d.max).toBeCloseTo(1000, 0);
  });

  it('failures count as infinitely slow: a timeout is never a fast answer', () => {
    const fast = Array.from({ length: 90 }, () => 10);
    expect(percentileCountingFailures(fast, 0, 95)).toBe(10);
    expect(percentileCountingFailures(fast, 4, 95)).toBe(10);
    expect(percentileCountingFailures(fast, 10, 95)).toBe(Infinity);
    expect(percentileCountingFailures([], 0, 95)).toBe(0);
  });
});
