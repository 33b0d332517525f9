/**
 * Exact percentiles with HdrHistogram (`hdr-histogram-js`): Artillery's own summaries are
 * DDSketch at 1 % relative accuracy and cannot be merged across runs; our raw records can.
 */
import * as hdr from 'hdr-histogram-js';

export interface Distribution {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Milliseconds in, 3 significant digits (0.1 % precision), values up to an hour. */
export function distribution(values: readonly number[]): Distribution {
  const h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 64,
    useWebAssembly: false,
  });
  // Recorded in microseconds so sub-millisecond Redis answers keep their precision.
  for (const v of values) h.recordValue(Math.max(1, Math.round(v * 1000)));
  const ms = (us: number) => Math.round(us) / 1000;
  const result: Distribution = {
    count: values.length,
    min: values.length ? ms(h.minNonZeroValue) : 0,
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
  h.destroy();
  return result;
}

/**
 * The p-th percentile when `failures` count as infinitely slow: failures sort last, so the
 * answer is the success at rank p·(successes + failures), or Infinity when there are more
 * failures than 1 − p of all requests. A timeout is never a fast answer.
 */
export function percentileCountingFailures(
  successes: readonly number[],
  failures: number,
  p: number,
): number {
  const total = successes.length + failures;
  if (total === 0) return 0;
  const rank = Math.ceil((p / 100) * total);
  if (rank > successes.length) return Infinity;
  const sorted = [...successes].sort((a, b) => a - b);
  return sorted[rank - 1]!;
}
