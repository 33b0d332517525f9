import type { Drill, DrillEnv } from './drills/types.ts';

/**
 * Anthropic usage reached the organisation's monthly spend cap: Claude answers the spend-cap
 * 429, the enrichment gateway stops and raises `anthropic-spend-cap-reached` at the next
 * enrichment n8n asks for. The cap is raised in the console (the switch cleared), the runbook
 * re-reads the costs; steady once the cost collector sees no cap and an enrichment goes through.
 */
export const drill: Drill = {
  runbook: 'cost-overrun',
  alert: 'anthropic-spend-cap-reached',
  collector: 'cost',
  fault: "Anthropic usage reached the organisation's spend cap: Claude answers the spend-cap 429",
  deployedStaging: true,
  faultEnds: 'the cap raised in the Anthropic console',
  async target(env) {
    const { rows } = await env.pool.query<{ user_id: string; id: string }>(
      `select user_id, id from public.prospects order by user_id, id limit 1`,
    );
    if (!rows[0]) throw new Error('no prospect to enrich');
    return { tenantId: rows[0].user_id, prospectId: rows[0].id };
  },
  inject: () => ({ standIn: 'anthropic', mode: 'spend-cap' }),
  // One organisation, one cap.
  matches: () => true,
  clearBeforeResolution: true,
  // n8n keeps asking for enrichments while the cap holds.
  async traffic(env, t, stop) {
    while (!stop.aborted) {
      await enrich(env, t).catch(() => 0);
      await new Promise((r) => setTimeout(r, 300));
    }
  },
  async steady(env, t) {
    return (await enrich(env, t)) === 200;
  },
};

/** One enrichment through the n8n hook, as the workflow asks for it; its HTTP status. */
async function enrich(env: DrillEnv, t: Record<string, string>): Promise<number> {
  const response = await fetch(`${env.appUrl}/hooks/n8n/enrichments`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'X-Vigie-Hook-Secret': env.commandEnv.N8N_HOOK_SECRET ?? '',
    },
    body: JSON.stringify({ tenantId: t.tenantId, prospectId: t.prospectId, title: 'COO' }),
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  return response.status;
}
