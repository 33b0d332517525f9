import { raise, resolve } from '../../adapters/alerts/outbox.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import { type CheckState, readinessStep } from '../../core/alerting/readiness.ts';

/** How long `/readyz` waits for the outbox before answering anyway. */
export const READINESS_ALERT_BUDGET_MS = 300;

/**
 * The producer of `readyz-degraded`: `/readyz` hands it each probe's states; consecutive
 * failures are counted per process (every container of a failing deployment sees the same
 * dependency fail, so each one's count climbs) and raised or resolved through the outbox.
 * Within a short budget and never failing the probe: when Postgres itself is down the raise
 * cannot land, and the uptime monitor's incident (`uptime-monitor-down`) pages instead.
 */
export function readinessAlerts(db: Queryable, now: () => Date = () => new Date()) {
  let streaks: Record<string, number> = {};
  return async function observe(states: Record<string, CheckState>): Promise<void> {
    const step = readinessStep(streaks, states);
    streaks = step.streaks;
    if (step.raise.length === 0 && step.resolve.length === 0) return;
    const at = now();
    const writes = Promise.allSettled([
      ...step.raise.map(({ check, failures }) =>
        raise(db, { alertId: 'readyz-degraded', labels: { check, failures }, at }),
      ),
      ...step.resolve.map((check) =>
        resolve(db, { alertId: 'readyz-degraded', labels: { check }, at }),
      ),
    ]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      writes,
      new Promise((done) => (timer = setTimeout(done, READINESS_ALERT_BUDGET_MS))),
    ]);
    clearTimeout(timer);
  };
}
