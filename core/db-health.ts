/**
 * Database health, judged on the same Postgres views `supabase inspect db` reads
 * (docs/db-health-checks.md): `pg_stat_statements` (outliers), `pg_stat_activity` (connections,
 * blocking, long-running), `pg_statio_user_tables`/`_indexes` (cache hit), `pg_stat_user_tables`
 * (seq scans) and `pg_stat_user_indexes` (unused indexes). Pure: the collector reads, this decides.
 */

export interface DbHealthThresholds {
  /** A statement is slow when its mean since the last run is ≥ factor × its own baseline… */
  slowFactor: number;
  /** …and at least this many milliseconds (a 0.1 → 0.4 ms change is not an incident)… */
  slowFloorMs: number;
  /** …over at least this many calls since the last run. */
  slowMinCalls: number;
  /** Runs of history before a statement's baseline is trusted. */
  baselineMinSamples: number;
  /** Weight of the newest interval in the baseline (exponential moving average). */
  baselineAlpha: number;
  /** Connections in use over the limit, in percent. */
  connectionsPercent: number;
  /** A session waiting on a lock longer than this pages. */
  blockedSeconds: number;
  /** A transaction open longer than this (active or idle in transaction) warns. */
  longTransactionSeconds: number;
  /** Table or index cache-hit ratio below this warns (Supabase: < 99% means compute too small). */
  cacheHitMin: number;
  /** Cache-hit ratio is judged only over at least this many block reads. */
  cacheMinBlocks: number;
  /** A table this big (live rows) being read by sequential scan… */
  bigTableRows: number;
  /** …at least this many times since the last run, and for most of its scans, warns. */
  seqScanMin: number;
  /** Unused indexes are reported from this size (bytes). */
  unusedIndexMinBytes: number;
}

export const DB_HEALTH_DEFAULTS: DbHealthThresholds = {
  slowFactor: 3,
  slowFloorMs: 100,
  slowMinCalls: 5,
  baselineMinSamples: 3,
  baselineAlpha: 0.2,
  connectionsPercent: 80,
  blockedSeconds: 30,
  longTransactionSeconds: 300,
  cacheHitMin: 0.99,
  cacheMinBlocks: 10_000,
  bigTableRows: 50_000,
  seqScanMin: 10,
  unusedIndexMinBytes: 1_048_576,
};

export interface StatementSample {
  calls: number;
  totalMs: number;
}

export interface StatementMemory {
  calls: number;
  totalMs: number;
  baselineMs: number | null;
  samples: number;
}

export interface StatementVerdict {
  intervalCalls: number;
  intervalMeanMs: number | null;
  slow: boolean;
  /** What to remember for next time. */
  next: StatementMemory;
}

/**
 * Mean time per call since the last run against the statement's own baseline. A counter that
 * went backwards (`pg_stat_statements_reset()`, a restart) restarts the interval from zero.
 * A slow interval does not move the baseline, so a regression keeps showing until fixed.
 */
export function judgeStatement(
  current: StatementSample,
  previous: StatementMemory | undefined,
  t: DbHealthThresholds = DB_HEALTH_DEFAULTS,
): StatementVerdict {
  const reset = previous === undefined || current.calls < previous.calls;
  const intervalCalls = reset ? current.calls : current.calls - previous.calls;
  const intervalMs = reset ? current.totalMs : current.totalMs - previous.totalMs;
  const intervalMeanMs = intervalCalls > 0 ? intervalMs / intervalCalls : null;
  const baseline = previous?.baselineMs ?? null;
  const samples = previous?.samples ?? 0;
  const slow =
    intervalMeanMs !== null &&
    baseline !== null &&
    samples >= t.baselineMinSamples &&
    intervalCalls >= t.slowMinCalls &&
    intervalMeanMs >= t.slowFloorMs &&
    intervalMeanMs >= t.slowFactor * baseline;
  let nextBaseline = baseline;
  let nextSamples = samples;
  if (intervalMeanMs !== null && !slow) {
    nextBaseline =
      baseline === null
        ? intervalMeanMs
        : t.baselineAlpha * intervalMeanMs + (1 - t.baselineAlpha) * baseline;
    nextSamples = samples + 1;
  }
  return {
    intervalCalls,
    intervalMeanMs,
    slow,
    next: {
      calls: current.calls,
      totalMs: current.totalMs,
      baselineMs: nextBaseline,
      samples: nextSamples,
    },
  };
}

export function percentOf(used: number, limit: number): number {
  return limit <= 0 ? 0 : Math.round((used / limit) * 1000) / 10;
}

export function cacheHitRatio(hit: number, read: number, t = DB_HEALTH_DEFAULTS): number | null {
  return hit + read < t.cacheMinBlocks ? null : hit / (hit + read);
}

export interface TableScanSample {
  seqScan: number;
  idxScan: number;
  liveRows: number;
}

/** Sequential scans since the last run on a big table, when they were most of its scans. */
export function judgeSeqScans(
  current: TableScanSample,
  previous: { seqScan: number; idxScan: number } | undefined,
  t: DbHealthThresholds = DB_HEALTH_DEFAULTS,
): { seqScans: number; heavy: boolean } {
  if (previous === undefined || current.seqScan < previous.seqScan) {
    return { seqScans: 0, heavy: false };
  }
  const seqScans = current.seqScan - previous.seqScan;
  const idxScans = Math.max(0, current.idxScan - previous.idxScan);
  const heavy =
    current.liveRows >= t.bigTableRows && seqScans >= t.seqScanMin && seqScans >= idxScans;
  return { seqScans, heavy };
}
