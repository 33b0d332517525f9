/**
 * A second process for the shared limiter's test (adapters/anthropic/shared-rate-limiter.int.test.ts):
 * its own gateway, its own SharedRateLimiter and Upstash client, the same Redis keys. Waits
 * until START_AT (epoch ms), sends COUNT enrichments at once, prints one JSON line and exits.
 */
import { randomUUID } from 'node:crypto';
import { EnrichmentGateway } from '../adapters/anthropic/enrichment-gateway.ts';
import { SharedRateLimiter } from '../adapters/anthropic/shared-rate-limiter.ts';
import { createPool } from '../adapters/postgres/pool.ts';
import { createRedis } from '../adapters/upstash/client.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`shared-limiter-worker: ${name} is required`);
  return v;
};

const pool = createPool(env('DATABASE_URL'), { max: 4 });
const redis = createRedis({
  url: env('UPSTASH_REDIS_REST_URL'),
  token: env('UPSTASH_REDIS_REST_TOKEN'),
});
const prefix = env('LIMITER_KEYS');
const limiter = new SharedRateLimiter({
  redis,
  keys: { state: `${prefix}:state`, pause: `${prefix}:pause` },
});
const gateway = new EnrichmentGateway({
  apiKey: env('ANTHROPIC_API_KEY'),
  baseUrl: env('ANTHROPIC_BASE_URL'),
  model: 'claude-haiku-5-5',
  maxTokens: Number(env('MAX_TOKENS')),
  dailyBudgetUsd: 100,
  db: pool,
  limiter,
  onSpendCap: async () => {},
});

const startAt = Number(env('START_AT'));
await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
const tenant = randomUUID();
const settled = await Promise.allSettled(
  Array.from({ length: Number(env('COUNT')) }, (_, i) =>
    gateway.enrich(tenant, { prospectId: randomUUID(), title: 'VP Sales', company: `Co ${i}` }),
  ),
);
const doneAt = Date.now();
await pool.end();
process.stdout.write(
  `${JSON.stringify({
    ok: settled.filter((s) => s.status === 'fulfilled').length,
    failed: settled.filter((s) => s.status === 'rejected').length,
    rateLimited: settled.reduce(
      (n, s) => n + (s.status === 'fulfilled' ? s.value.limiter.rateLimited : 0),
      0,
    ),
    doneAt,
    stats: limiter.stats,
  })}\n`,
);
