import { randomUUID } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  EnrichmentGateway,
  SPEND_CAP_RECHECK_MS,
} from '../../adapters/anthropic/enrichment-gateway.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool, type Pool } from '../../adapters/postgres/pool.ts';
import { seed } from '../../adapters/postgres/seed.ts';
import { parseConfig } from '../../core/config.ts';
import { redisKeys } from '../../core/redis-keys.ts';
import { type AnthropicStandIn, startAnthropicStandIn } from '../../sandbox/anthropic/stand-in.ts';
import {
  startSupabaseAuthStandIn,
  type SupabaseAuthStandIn,
} from '../../sandbox/supabase-auth/stand-in.ts';
import { startUpstashBridge, type UpstashBridge } from '../../sandbox/upstash/bridge.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { testRedisUrl } from '../../testkit/redis.ts';
import { createApp } from '../app.ts';

// The gateway end to end: app route → gateway → @anthropic-ai/sdk → Anthropic stand-in
// (tier buckets), metering in a real Postgres, the answer cache in Redis through the bridge.
const REDIS_URL = testRedisUrl(7);
const HOOK_SECRET = 'hook-secret-for-tests-0123456789';
let db: TestDatabase;
let pool: Pool;
let auth: SupabaseAuthStandIn;
let anthropic: AnthropicStandIn;
let bridge: UpstashBridge;
let redis: Redis;
let alice: string;
let bob: string;
let token: string;
let aliceProspect: string;
let bobProspect: string;

function makeApp(gateway: EnrichmentGateway) {
  const config = parseConfig({
    VIGIE_STAGE: 'local',
    SUPABASE_JWKS_URL: auth.jwksUrl,
    SUPABASE_JWT_ISSUER: auth.issuer,
    N8N_HOOK_SECRET: HOOK_SECRET,
  });
  return createApp({ config, pool, redis, enrichment: gateway });
}

function gateway(options: { dailyBudgetUsd?: number } = {}) {
  return new EnrichmentGateway({
    apiKey: 'sk-ant-test',
    baseUrl: anthropic.url,
    model: 'claude-haiku-5-5',
    maxTokens: 200,
    dailyBudgetUsd: options.dailyBudgetUsd ?? 1,
    db: pool,
    redis,
    onSpendCap: async () => {
      spendCapAlerts += 1;
    },
  });
}
let spendCapAlerts = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 6 });
  await migrate(pool);
  await seed(pool, {
    customers: 2,
    prospectsPerCustomer: 5,
    seed: 11,
    now: new Date('2026-11-26T10:00:00Z'),
  });
  const users = await pool.query<{ id: string }>('select id from auth.users order by id');
  alice = users.rows[0]!.id;
  bob = users.rows[1]!.id;
  const p = async (u: string) =>
    (
      await pool.query<{ id: string }>(
        'select id from prospects where user_id = $1 order by id limit 1',
        [u],
      )
    ).rows[0]!.id;
  aliceProspect = await p(alice);
  bobProspect = await p(bob);
  auth = await startSupabaseAuthStandIn({ stateDir: 'memory' });
  token = await auth.signToken({ userId: alice });
  anthropic = await startAnthropicStandIn({
    apiKey: 'sk-ant-test',
    adminKey: 'sk-ant-admin-test',
    tier: { requestsPerMinute: 600, inputTokensPerMinute: 60_000, outputTokensPerMinute: 12_000 },
  });
  bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token: 'enrich-test' });
  redis = new Redis({ url: bridge.url, token: 'enrich-test' });
});

afterAll(async () => {
  await bridge?.close();
  await anthropic?.close();
  await auth?.close();
  await pool?.end();
  await db?.drop();
});

beforeEach(async () => {
  anthropic.spendCap.reached = false;
  anthropic.messagesFaults.mode = 'none';
  await pool.query('delete from enrichment_usage');
  await redis.del(redisKeys.enrichment(aliceProspect), redisKeys.enrichment(bobProspect));
});

const post = (
  app: ReturnType<typeof createApp>,
  body: unknown,
  headers: Record<string, string> = { Authorization: `Bearer ${token}` },
) =>
  app.request('/enrichments', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('POST /enrichments (the enrichment gateway)', () => {
  it('enriches, meters tokens and cost per tenant, caches the answer, and sends only the allow-listed fields', async () => {
    const app = makeApp(gateway());
    const before = anthropic.ledger.entries.length;
    const r = await post(app, {
      prospectId: aliceProspect,
      title: 'VP Sales',
      company: 'Acme Robotics',
      fullName: 'Jeanne Dupont',
      email: 'jeanne@example.com',
      linkedinUrl: 'https://linkedin.com/in/jeanne',
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as {
      brief: string;
      cached: boolean;
      costUsd: number;
      usage: { outputTokens: number };
    };
    expect(body.cached).toBe(false);
    expect(body.brief.length).toBeGreaterThan(20);
    expect(body.costUsd).toBeGreaterThan(0);
    expect(anthropic.ledger.entries.length).toBe(before + 1);
    const { rows } = await pool.query<{
      tenant_id: string;
      requests: number;
      output_tokens: string;
      cost_usd: string;
    }>('select tenant_id, requests, output_tokens, cost_usd from enrichment_usage');
    expect(rows).toEqual([
      {
        tenant_id: alice,
        requests: 1,
        output_tokens: String(body.usage.outputTokens),
        cost_usd: expect.any(String),
      },
    ]);
    expect(Number(rows[0]!.cost_usd)).toBeCloseTo(body.costUsd, 9);
    // Cached: the second call costs nothing and reaches no provider.
    const again = (await (
      await post(app, { prospectId: aliceProspect, title: 'VP Sales' })
    ).json()) as { cached: boolean };
    expect(again.cached).toBe(true);
    expect(anthropic.ledger.entries.length).toBe(before + 1);
  });

  it('what reaches Claude holds no name, email or URL', async () => {
    const captured: string[] = [];
    const fresh = randomUUID();
    const original = globalThis.fetch;
    globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).startsWith(anthropic.url)) captured.push(String(init?.body));
      return original(input, init);
    }) as typeof fetch;
    try {
      const app = makeApp(gateway());
      const r = await post(app, {
        prospectId: fresh,
        title: 'CTO',
        company: 'Globex',
        fullName: 'Jeanne Dupont',
        email: 'jeanne@example.com',
        linkedinUrl: 'https://linkedin.com/in/jeanne-d',
      });
      expect(r.status).toBe(200);
    } finally {
      globalThis.fetch = original;
    }
    expect(captured).toHaveLength(1);
    // A prospect not stored yet (fresh scrape) is never cached: nobody can plant an answer.
    expect(await redis.exists(redisKeys.enrichment(fresh))).toBe(0);
    expect(captured[0]).toContain('Globex');
    for (const secret of ['Jeanne', 'Dupont', 'example.com', 'linkedin', 'prospectId'])
      expect(captured[0]).not.toContain(secret);
  });

  it("another tenant's prospect is not found; bad input is a 400 naming the field", async () => {
    const app = makeApp(gateway());
    const other = await post(app, { prospectId: bobProspect, title: 'CEO' });
    expect(other.status).toBe(404);
    const bad = await post(app, { prospectId: 'not-a-uuid' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('prospectId');
    expect((await post(app, { prospectId: aliceProspect }, {})).status).toBe(401);
  });

  it('an upper-case prospect id is the same prospect: cached under the key erasure deletes', async () => {
    // Postgres compares UUIDs case-blind, Redis keys do not: an upper-case id found the owner
    // but cached the brief under a key erasure never deletes (it outlived the prospect).
    await redis.del(redisKeys.enrichment(aliceProspect.toUpperCase()));
    const app = makeApp(gateway());
    const r = await post(app, { prospectId: aliceProspect.toUpperCase(), title: 'VP Sales' });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { prospectId: string }).prospectId).toBe(aliceProspect);
    expect(await redis.exists(redisKeys.enrichment(aliceProspect))).toBe(1);
    expect(await redis.exists(redisKeys.enrichment(aliceProspect.toUpperCase()))).toBe(0);
  });

  it('the n8n hook takes an upper-case tenant id as that tenant, not as another account', async () => {
    const app = makeApp(gateway());
    const r = await app.request('/hooks/n8n/enrichments', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Vigie-Hook-Secret': HOOK_SECRET },
      body: JSON.stringify({ tenantId: bob.toUpperCase(), prospectId: bobProspect, title: 'CFO' }),
    });
    expect(r.status).toBe(200);
    const { rows } = await pool.query<{ tenant_id: string }>(
      'select tenant_id from enrichment_usage',
    );
    expect(rows.map((row) => row.tenant_id)).toEqual([bob]);
  });

  it('a server without ANTHROPIC_API_KEY answers 503 naming the setting, not an opaque 500', async () => {
    const config = parseConfig({
      VIGIE_STAGE: 'local',
      SUPABASE_JWKS_URL: auth.jwksUrl,
      SUPABASE_JWT_ISSUER: auth.issuer,
    });
    const r = await post(createApp({ config, pool, redis }), { prospectId: aliceProspect });
    expect(r.status).toBe(503);
    expect(await r.json()).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('ANTHROPIC_API_KEY'),
    });
  });

  it('a spent daily budget answers 429 with a clear message and Retry-After, without calling Claude', async () => {
    const app = makeApp(gateway({ dailyBudgetUsd: 0.00005 }));
    const before = anthropic.ledger.entries.length;
    const r = await post(app, { prospectId: randomUUID(), title: 'Head of Growth' });
    expect(r.status).toBe(429);
    expect(r.headers.get('Retry-After')).toMatch(/^\d+$/);
    expect(((await r.json()) as { message: string }).message).toMatch(
      /daily enrichment budget of 0\.00005 USD is spent/,
    );
    expect(anthropic.ledger.entries.length).toBe(before);
  });

  it('the spend cap raises the alert once and fails fast (503, no retry, later calls never sent)', async () => {
    const gw = gateway();
    const app = makeApp(gw);
    anthropic.spendCap.reached = true;
    const alertsBefore = spendCapAlerts;
    const first = await post(app, { prospectId: randomUUID(), title: 'COO' });
    expect(first.status).toBe(503);
    expect(((await first.json()) as { message: string }).message).toMatch(/spend cap/);
    expect(spendCapAlerts).toBe(alertsBefore + 1);
    const admittedBefore = gw.limiter.stats.admitted;
    const second = await post(app, { prospectId: randomUUID(), title: 'COO' });
    expect(second.status).toBe(503);
    expect(gw.limiter.stats.admitted).toBe(admittedBefore);
  });

  it('once the cap is raised in the console, enrichment resumes within minutes without a restart', async () => {
    // The defect: the gateway held calls until the 1st of next month, so the runbook's fix
    // (raise the cap) left enrichment stopped on every running instance.
    // Real time plus a jump (the limiter needs time to move).
    const clock = { offset: 0 };
    const gw = new EnrichmentGateway({
      apiKey: 'sk-ant-test',
      baseUrl: anthropic.url,
      model: 'claude-haiku-5-5',
      maxTokens: 200,
      dailyBudgetUsd: 1,
      db: pool,
      redis,
      now: () => new Date(Date.now() + clock.offset),
      onSpendCap: async () => {},
    });
    const app = makeApp(gw);
    anthropic.spendCap.reached = true;
    expect((await post(app, { prospectId: randomUUID(), title: 'COO' })).status).toBe(503);
    anthropic.spendCap.reached = false;
    // Still held right after (no call sent), then checked again and through.
    expect((await post(app, { prospectId: randomUUID(), title: 'COO' })).status).toBe(503);
    clock.offset += SPEND_CAP_RECHECK_MS;
    expect((await post(app, { prospectId: randomUUID(), title: 'COO' })).status).toBe(200);
  });

  it('the n8n hook enriches for the tenant named in the body, with the shared secret', async () => {
    const app = makeApp(gateway());
    const ok = await app.request('/hooks/n8n/enrichments', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Vigie-Hook-Secret': HOOK_SECRET },
      body: JSON.stringify({ tenantId: bob, prospectId: bobProspect, title: 'CFO' }),
    });
    expect(ok.status).toBe(200);
    const denied = await app.request('/hooks/n8n/enrichments', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Vigie-Hook-Secret': 'wrong' },
      body: JSON.stringify({ tenantId: bob, prospectId: bobProspect }),
    });
    expect(denied.status).toBe(401);
  });

  it('a 529 then success: the gateway retries through the limiter and answers 200', async () => {
    const gw = gateway();
    Object.assign(anthropic.messagesFaults, { mode: 'overloaded', count: 1, retryAfterSeconds: 1 });
    const r = await post(makeApp(gw), { prospectId: randomUUID(), title: 'CMO' });
    expect(r.status).toBe(200);
    expect(gw.limiter.stats.pauses).toBe(1);
  });
});
