import type { Drill, DrillEnv } from './drills/types.ts';

/**
 * A collector crashing on every run → its heartbeat gets `/fail` → Better Stack opens an
 * incident → `heartbeat-missed`. The fix is deployed (the switch cleared), then the runbook runs
 * the collector by hand; steady once the next scheduled run's ping resolves the incident.
 */
export const drill: Drill = {
  runbook: 'collectors',
  alert: 'heartbeat-missed',
  fault: 'the onboarding collector throws on every run',
  deployedStaging: false,
  // Heartbeats already late for other reasons are not this drill's: remember them.
  target: async (env) => ({
    collector: 'onboarding',
    name: 'onboarding',
    openBefore: (await openHeartbeats(env)).join(','),
  }),
  inject: (t) => ({ standIn: 'collector', mode: 'crash', args: { name: t.name ?? 'onboarding' } }),
  matches: (labels, t) => !(t.openBefore ?? '').split(',').includes(String(labels.heartbeatId)),
  clearBeforeResolution: true,
  async steady(env, t) {
    const before = new Set((t.openBefore ?? '').split(','));
    return (await openHeartbeats(env)).every((id) => before.has(id));
  },
};

async function openHeartbeats(env: DrillEnv): Promise<string[]> {
  const { rows } = await env.pool.query<{ id: string }>(
    `select labels->>'heartbeatId' as id from alert_outbox
      where alert_id = 'heartbeat-missed' and resolved_at is null`,
  );
  return rows.map((r) => r.id);
}
