import type { Drill, DrillEnv } from './drills/types.ts';

/**
 * Upstash answers 503: the app's `/readyz` fails its Redis check, Better Stack's check of it
 * fails past the confirmation period and opens an incident → `uptime-monitor-down`. Upstash
 * comes back (the provider's side), the runbook confirms readiness from the app itself; steady
 * once the monitor has stayed up its recovery period and the incident resolved.
 */
export const drill: Drill = {
  runbook: 'uptime',
  alert: 'uptime-monitor-down',
  fault: "Upstash (Redis) answers 503: the app's /readyz fails, Better Stack's monitor sees it",
  deployedStaging: true,
  async target(env) {
    const monitorId = env.monitorIds['app-readyz'];
    if (!monitorId) throw new Error('no Better Stack monitor for the app /readyz in this staging');
    return { monitorId };
  },
  inject: () => ({ standIn: 'upstash', mode: 'outage' }),
  matches: (labels, t) => String(labels.monitorId) === t.monitorId,
  clearBeforeResolution: true,
  faultEnds: 'Upstash back',
  async steady(env, t) {
    return (await ready(env)) && !(await openIncident(env, t.monitorId!));
  },
};

async function ready(env: DrillEnv): Promise<boolean> {
  const response = await fetch(`${env.appUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
  await response.body?.cancel();
  return response.status === 200;
}

async function openIncident(env: DrillEnv, monitorId: string): Promise<boolean> {
  const { rows } = await env.pool.query(
    `select 1 from alert_outbox
      where alert_id = 'uptime-monitor-down' and resolved_at is null and labels->>'monitorId' = $1`,
    [monitorId],
  );
  return rows.length > 0;
}
