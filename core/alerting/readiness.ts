/**
 * `readyz-degraded`: a readiness check failing several probes in a row. One failed probe is a
 * blip (the uptime monitor confirms over its own period before it opens an incident); from
 * `READYZ_FAILURES_TO_ALERT` in a row the check is degraded, and the first probe that passes
 * again resolves it. Pure: the caller keeps the streaks between probes.
 */
export const READYZ_FAILURES_TO_ALERT = 2;

export type CheckState = 'up' | 'down' | 'not_configured';

export interface ReadinessStep {
  /** Consecutive failures per check after this probe (checks that passed are absent). */
  streaks: Record<string, number>;
  /** Checks to raise `readyz-degraded` for, with their failures in a row. */
  raise: Array<{ check: string; failures: number }>;
  /** Checks that pass again after having been raised: resolve their alert. */
  resolve: string[];
}

export function readinessStep(
  streaks: Readonly<Record<string, number>>,
  states: Readonly<Record<string, CheckState>>,
  threshold = READYZ_FAILURES_TO_ALERT,
): ReadinessStep {
  const next: Record<string, number> = {};
  const raise: ReadinessStep['raise'] = [];
  const resolve: string[] = [];
  for (const [check, state] of Object.entries(states)) {
    const before = streaks[check] ?? 0;
    // Not configured is a deployment fact, not a failing dependency: it neither counts nor resolves.
    if (state === 'not_configured') {
      if (before > 0) next[check] = before;
      continue;
    }
    if (state === 'up') {
      if (before >= threshold) resolve.push(check);
      continue;
    }
    next[check] = before + 1;
    if (next[check] >= threshold) raise.push({ check, failures: next[check] });
  }
  return { streaks: next, raise, resolve };
}
