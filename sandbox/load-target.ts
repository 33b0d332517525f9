/**
 * A running local staging described as a `LoadTarget`: its URLs and keys, the plans its
 * stand-ins enforce, and seeded users with a fresh token and some of their prospects.
 */
import { randomUUID } from 'node:crypto';
import { CLAUDE_TIERS, N8N_PLANS, PHANTOMBUSTER_PLANS } from '../core/capacity/providers.ts';
import type { LoadTarget } from '../load/target.ts';
import type { RunningStack } from './stack.ts';

export async function localLoadTarget(
  stack: RunningStack,
  options: { users?: number; prospectsPerUser?: number } = {},
): Promise<LoadTarget> {
  const c = stack.config;
  const auth = stack.standIns.auth;
  if (!auth) throw new Error('the local staging has no Supabase Auth stand-in to sign tokens');
  if (!c.N8N_BASE_URL || !c.N8N_API_KEY)
    throw new Error('the local staging has no n8n (N8N_BASE_URL / N8N_API_KEY)');
  if (!c.UPSTASH_REDIS_REST_URL || !c.UPSTASH_REDIS_REST_TOKEN)
    throw new Error('the local staging has no Upstash endpoint');
  // The staging's n8n runs the real workflow (PhantomBuster, then the gateway, queued by the
  // plan): sandbox/staging/providers.ts wires it at start.
  const { rows } = await stack.pool.query<{ user_id: string; ids: string[] }>(
    `select user_id, (array_agg(id order by id))[1:$2] as ids
       from prospects where status <> 'unsubscribed'
      group by user_id order by user_id limit $1`,
    [options.users ?? 20, options.prospectsPerUser ?? 20],
  );
  if (rows.length === 0)
    throw new Error('the local staging has no seeded prospects: run `npx vigie seed`');
  const users = await Promise.all(
    rows.map(async (r) => ({
      userId: r.user_id,
      token: await auth.signToken({ userId: r.user_id, ttlSeconds: 3_600 }),
      prospectIds: r.ids,
    })),
  );
  const tier = CLAUDE_TIERS[c.ANTHROPIC_TIER];
  const anthropic = stack.standIns.anthropic;
  const target: LoadTarget = {
    label: 'local staging',
    appUrl: stack.urls.app,
    n8n: { url: c.N8N_BASE_URL, apiKey: c.N8N_API_KEY },
    upstash: { url: c.UPSTASH_REDIS_REST_URL, token: c.UPSTASH_REDIS_REST_TOKEN },
    users,
    plans: {
      n8nConcurrency: N8N_PLANS[c.N8N_PLAN].concurrency,
      phantomBusterSlots: PHANTOMBUSTER_PLANS[c.PHANTOMBUSTER_PLAN].slots,
      claudeTier: { ...tier, name: tier.name },
    },
  };
  if (anthropic) {
    // Scenario 3 runs on Tier 1 so a Claude limit binds (100 calls at 50 RPM); the others on
    // the configured tier, so Claude does not hide n8n's and PhantomBuster's limits.
    target.beforeScenario = async (name) => {
      const next = name === 'enrichment' ? CLAUDE_TIERS.tier1 : tier;
      if (anthropic.tier.requestsPerMinute === next.requestsPerMinute) return;
      anthropic.setTier(next);
      target.plans.claudeTier = { ...next, name: next.name };
      // One call through the gateway teaches its limiter the new limits (response headers).
      const user = users[0]!;
      const r = await fetch(`${stack.urls.app}/enrichments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', Authorization: `Bearer ${user.token}` },
        body: JSON.stringify({ prospectId: randomUUID(), title: 'Warm-up' }),
      });
      await r.body?.cancel();
      if (!r.ok) throw new Error(`the warm-up enrichment answered ${r.status}`);
    };
  }
  return target;
}
