export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  factor: number;
}

export const defaultBackoff: BackoffOptions = { baseMs: 1_000, maxMs: 60_000, factor: 2 };

/**
 * Delay before retry number `failures` (1 = after the first failure): exponential, capped.
 * With `random`, "equal jitter" (half fixed, half random) spreads retries of several workers;
 * without it the schedule is deterministic (tests, docs).
 */
export function backoffMs(
  failures: number,
  options: BackoffOptions = defaultBackoff,
  random?: () => number,
): number {
  if (!Number.isInteger(failures) || failures < 1) return 0;
  const raw = options.baseMs * options.factor ** (failures - 1);
  const capped = Math.min(options.maxMs, raw);
  if (!random) return capped;
  return Math.round(capped / 2 + random() * (capped / 2));
}

/** The whole deterministic schedule for `retries` failures, e.g. for a runbook table. */
export function backoffSchedule(
  retries: number,
  options: BackoffOptions = defaultBackoff,
): number[] {
  return Array.from({ length: retries }, (_, i) => backoffMs(i + 1, options));
}
