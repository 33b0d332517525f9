import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnthropicStandIn, startAnthropicStandIn } from '../../sandbox/anthropic/stand-in.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { migrate } from '../postgres/migrate.ts';
import { createPool, type Pool } from '../postgres/pool.ts';
import { EnrichmentGateway, tenantEnrichmentCosts } from './enrichment-gateway.ts';

// Many concurrent callers, one org-wide limit: the limiter queues them so the stand-in's
// buckets never refuse one (no 429), and every call still succeeds.
let db: TestDatabase;
let pool: Pool;
let anthropic: AnthropicStandIn;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 8 });
  await migrate(pool);
  anthropic = await startAnthropicStandIn({
    apiKey: 'sk-ant-test',
    adminKey: 'sk-ant-admin-test',
    // 60 RPM: 63 calls need 3 more requests than the burst, about 3 s of refill.
    tier: { requestsPerMinute: 60, inputTokensPerMinute: 400_000, outputTokensPerMinute: 80_000 },
    generationMs: 20,
  });
});
afterAll(async () => {
  await anthropic?.close();
  await pool?.end();
  await db?.drop();
});

describe('EnrichmentGateway under concurrency', () => {
  it('63 concurrent enrichments over a 60 RPM tier: all succeed, none refused by a bucket, metered per tenant', async () => {
    const gw = new EnrichmentGateway({
      apiKey: 'sk-ant-test',
      baseUrl: anthropic.url,
      model: 'claude-haiku-5-5',
      maxTokens: 200,
      dailyBudgetUsd: 10,
      db: pool,
      onSpendCap: async () => {},
    });
    const tenants = [randomUUID(), randomUUID(), randomUUID()];
    const results = await Promise.all(
      Array.from({ length: 63 }, (_, i) =>
        gw.enrich(tenants[i % 3]!, {
          prospectId: randomUUID(),
          title: 'Head of Sales',
          company: `Company ${i}`,
        }),
      ),
    );
    expect(results.every((r) => r.brief.length > 0)).toBe(true);
    expect(anthropic.messagesStats.rateLimited).toBe(0);
    expect(anthropic.messagesStats.admitted).toBe(63);
    expect(gw.limiter.stats.sentWhileEmpty).toBe(0);
    const costs = await tenantEnrichmentCosts(
      pool,
      new Date(Date.now() - 86_400_000),
      new Date(Date.now() + 86_400_000),
    );
    expect(costs.map((c) => c.requests).sort()).toEqual([21, 21, 21]);
    const total = results.reduce((s, r) => s + r.costUsd, 0);
    expect(costs.reduce((s, c) => s + c.usd, 0)).toBeCloseTo(total, 9);
  });
});
