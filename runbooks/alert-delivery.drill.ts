import type { Drill } from './drills/types.ts';

/**
 * The Slack webhook is removed (404 `no_service`). An alert fires meanwhile (a collector
 * reports a failed run to its Better Stack heartbeat): Slack refuses it for good, the
 * dispatcher dead-letters it, marks the webhook dead and raises `slack-webhook-dead`, which
 * arrives by email. Slack is fixed (the webhook re-added), then the runbook probes it: the
 * webhook revives and what waited in the outbox drains.
 */
export const drill: Drill = {
  runbook: 'alert-delivery',
  alert: 'slack-webhook-dead',
  fault: 'the Slack webhook was removed (404 no_service) while an alert fires',
  deployedStaging: true,
  detectAt: 'email',
  async target(env) {
    const heartbeat = env.commandEnv.HEARTBEAT_URL_ERASURE_RETRY;
    if (!heartbeat) throw new Error('no erasure-retry heartbeat in this staging');
    return { heartbeat };
  },
  inject: () => ({ standIn: 'slack', mode: 'dead' }),
  // Staging has one webhook: any dead one is the drill's.
  matches: () => true,
  clearBeforeResolution: true,
  faultEnds: 'the webhook re-added in Slack',
  // The alert that meets the dead webhook: a failed run reported to Better Stack (the
  // collector's next good run resolves it).
  async traffic(_env, t) {
    const response = await fetch(`${t.heartbeat}/fail`, {
      method: 'POST',
      signal: AbortSignal.timeout(5_000),
    });
    await response.body?.cancel();
  },
  // The drill's concern is the channel, not the queue: a full staging always has updates
  // of known alerts waiting their turn at 1 message/s.
  async steady(env) {
    const { rows } = await env.pool.query<{ dead: number; open: number }>(
      `select (select count(*)::int from alert_channels where dead_at is not null) as dead,
              (select count(*)::int from alert_outbox
                where alert_id = 'slack-webhook-dead' and resolved_at is null) as open`,
    );
    return rows[0]!.dead === 0 && rows[0]!.open === 0;
  },
};
