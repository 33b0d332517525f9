import { raise, resolve } from '../../adapters/alerts/outbox.ts';
import type { Pool } from '../../adapters/postgres/pool.ts';
import { SENTRY_ERROR_SPIKE_RULE } from '../../core/catalog/sentry-rules.ts';
import type { SentryStandIn } from '../sentry/server.ts';

/**
 * The Sentry stand-in's side of the metric alert infra creates in Sentry: every staging
 * minute, the error events the stand-in accepted in the rule's window, per project; crossing
 * above the alert threshold raises `sentry-error-spike` once (Sentry would call our webhook),
 * falling below the resolve threshold resolves it. Driven by the staging clock, like the Better Stack pinger.
 */
export function createSentryRuleEvaluator(
  sentry: Pick<SentryStandIn, 'outcomes'>,
  pool: Pool,
  rule = SENTRY_ERROR_SPIKE_RULE,
) {
  const firing = new Set<string>();
  let lastEval = -Infinity;
  return {
    async advanceTo(now: Date): Promise<void> {
      const t = now.getTime();
      if (t - lastEval < 60_000) return;
      lastEval = t;
      const windowMs = rule.timeWindowMinutes * 60_000;
      const counts = new Map<string, number>();
      for (const o of sentry.outcomes()) {
        if (o.category !== 'error' || o.outcome !== 'accepted') continue;
        const at = o.at.getTime();
        if (at <= t - windowMs || at > t) continue;
        counts.set(o.projectId, (counts.get(o.projectId) ?? 0) + 1);
      }
      for (const [projectId, events] of counts) {
        // Sentry notifies when the rule crosses into critical, not on every evaluation.
        if (events > rule.alertThreshold && !firing.has(projectId)) {
          firing.add(projectId);
          await raise(pool, {
            alertId: 'sentry-error-spike',
            labels: { projectId, events, windowMinutes: rule.timeWindowMinutes },
            at: now,
          });
        }
      }
      for (const projectId of [...firing]) {
        if ((counts.get(projectId) ?? 0) >= rule.resolveThreshold) continue;
        firing.delete(projectId);
        await resolve(pool, { alertId: 'sentry-error-spike', labels: { projectId }, at: now });
      }
    },
  };
}
