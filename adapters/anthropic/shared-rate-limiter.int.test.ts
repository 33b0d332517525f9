import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { minimumDurationMs, type TierLimits } from '../../core/enrichment/token-bucket.ts';
import { VigieError } from '../../core/errors.ts';
import { type AnthropicStandIn, startAnthropicStandIn } from '../../sandbox/anthropic/stand-in.ts';
import { startUpstashBridge, type UpstashBridge } from '../../sandbox/upstash/bridge.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { testRedisUrl } from '../../testkit/redis.ts';
import { migrate } from '../postgres/migrate.ts';
import { createPool, type Pool } from '../postgres/pool.ts';
import { createRedis } from '../upstash/client.ts';
import { EnrichmentGateway, type EnrichmentResult } from './enrichment-gateway.ts';
import { SharedRateLimiter, type SharedLimiterStats } from './shared-rate-limiter.ts';

// Several instances, one organisation's Claude limits: gateways with their own
// SharedRateLimiter (and their own Upstash client) on one Redis, through the REST bridge,
// against the Anthropic stand-in that enforces the tier's buckets and answers their headers.
// 85 RPM and 100 calls: the requests bucket binds, 15 calls wait for refill (~10.6 s).
const TIER: TierLimits = {
  requestsPerMinute: 85,
  inputTokensPerMinute: 400_000,
  outputTokensPerMinute: 80_000,
};
const MAX_TOKENS = 200;
const API_KEY = 'sk-ant-test';
let db: TestDatabase;
let pool: Pool;
let anthropic: AnthropicStandIn;
let bridge: UpstashBridge;
let keys: { state: string; pause: string };

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 8 });
  await migrate(pool);
  bridge = await startUpstashBridge({
    redisUrl: testRedisUrl(),
    token: randomBytes(16).toString('hex'),
  });
  anthropic = await startAnthropicStandIn({
    apiKey: API_KEY,
    adminKey: 'sk-ant-admin-test',
    tier: TIER,
    generationMs: 20,
  });
});
afterAll(async () => {
  await anthropic?.close();
  await bridge?.close();
  await pool?.end();
  await db?.drop();
});
beforeEach(() => {
  // Full provider buckets and fresh shared state for each test.
  anthropic.setTier(TIER);
  const p = `vigie-t-limiter-${randomBytes(4).toString('hex')}`;
  keys = { state: `${p}:state`, pause: `${p}:pause` };
  bridge.faults.outage = false;
  fastestMs = Infinity;
});

function instance() {
  const limiter = new SharedRateLimiter({
    redis: createRedis({ url: bridge.url, token: bridge.token, retries: 0 }),
    keys,
  });
  const gateway = new EnrichmentGateway({
    apiKey: API_KEY,
    baseUrl: anthropic.url,
    model: 'claude-haiku-5-5',
    maxTokens: MAX_TOKENS,
    dailyBudgetUsd: 100,
    db: pool,
    limiter,
    onSpendCap: async () => {},
  });
  return { limiter, gateway };
}

/** Fastest single call seen (ms): the tier bound's allowance for a call's own time. */
let fastestMs = Infinity;
const enrichMany = (gateway: EnrichmentGateway, count: number) => {
  const tenant = randomUUID();
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const t = Date.now();
      const r = await gateway.enrich(tenant, {
        prospectId: randomUUID(),
        title: 'VP Sales',
        company: `Co ${i}`,
      });
      fastestMs = Math.min(fastestMs, Date.now() - t);
      return r;
    }),
  );
};

/** The tier's bound for 100 calls of this size, plus one call's own time (as load scenario 3). */
function allowedMs(results: EnrichmentResult[]): number {
  const avg = (f: (r: EnrichmentResult) => number) =>
    results.reduce((s, r) => s + f(r), 0) / results.length;
  const bound = minimumDurationMs(TIER, 100, {
    inputTokens: avg((r) => r.usage!.inputTokens + r.usage!.cacheWrite5mTokens),
    outputTokensUsed: avg((r) => r.usage!.outputTokens),
  });
  expect(bound.binding).toBe('requestsPerMinute');
  return bound.durationMs + fastestMs;
}

const commandsToday = () => bridge.usage.snapshot(new Date()).days.at(-1)?.commands ?? 0;

describe('SharedRateLimiter: several instances on one Redis', () => {
  it('two gateways in one process take 100 enrichments together: all succeed, no 429, within 20 % of the tier bound', async () => {
    const a = instance();
    const b = instance();
    const before = { ...anthropic.messagesStats };
    const commandsBefore = commandsToday();
    const started = Date.now();
    const [ra, rb] = await Promise.all([enrichMany(a.gateway, 50), enrichMany(b.gateway, 50)]);
    const finishMs = Date.now() - started;
    const all = [...ra, ...rb];
    expect(all.every((r) => r.brief.length > 0)).toBe(true);
    expect(anthropic.messagesStats.admitted - before.admitted).toBe(100);
    expect(anthropic.messagesStats.rateLimited - before.rateLimited).toBe(0);
    for (const l of [a.limiter, b.limiter]) {
      expect(l.stats.sentWhileEmpty).toBe(0);
      expect(l.stats.admitted).toBeGreaterThan(0);
    }
    expect(finishMs).toBeLessThanOrEqual(allowedMs(all) * 1.2);
    const commands = commandsToday() - commandsBefore;
    // Per enrichment: one acquire, one settle, and the waiting instances' polls.
    // (plus an EVAL after NOSCRIPT the first time a client runs a script Redis has not cached).
    const scriptCalls = a.limiter.stats.scriptCalls + b.limiter.stats.scriptCalls;
    expect(commands).toBeGreaterThanOrEqual(scriptCalls);
    expect(commands).toBeLessThanOrEqual(scriptCalls + 4);
    expect(commands / 100).toBeLessThan(6);
  });

  it('this process and a child process take 100 enrichments together: all succeed, no 429, within 20 % of the tier bound', async () => {
    const here = instance();
    const startAt = Date.now() + 1_500;
    const child = spawn(process.execPath, ['testkit/shared-limiter-worker.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: bridge.token,
        ANTHROPIC_BASE_URL: anthropic.url,
        ANTHROPIC_API_KEY: API_KEY,
        LIMITER_KEYS: keys.state.replace(/:state$/, ''),
        MAX_TOKENS: String(MAX_TOKENS),
        COUNT: '50',
        START_AT: String(startAt),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const before = { ...anthropic.messagesStats };
    await new Promise((r) => setTimeout(r, startAt - Date.now()));
    const mine = await enrichMany(here.gateway, 50);
    expect(await exited, err).toBe(0);
    const theirs = JSON.parse(out.trim().split('\n').at(-1)!) as {
      ok: number;
      failed: number;
      rateLimited: number;
      doneAt: number;
      stats: SharedLimiterStats;
    };
    expect(theirs.ok).toBe(50);
    expect(theirs.stats.admitted).toBeGreaterThan(0);
    expect(theirs.stats.sentWhileEmpty).toBe(0);
    expect(here.limiter.stats.sentWhileEmpty).toBe(0);
    expect(anthropic.messagesStats.admitted - before.admitted).toBe(100);
    expect(anthropic.messagesStats.rateLimited - before.rateLimited).toBe(0);
    const finishMs = Math.max(Date.now(), theirs.doneAt) - startAt;
    expect(finishMs).toBeLessThanOrEqual(allowedMs(mine) * 1.2);
  });

  it('a retry-after one instance receives holds every instance', async () => {
    const a = instance();
    const b = instance();
    // Learn the limits first (the probe), so the pause is what holds b.
    await enrichMany(a.gateway, 1);
    Object.assign(anthropic.messagesFaults, {
      mode: 'rate-limited',
      count: 1,
      retryAfterSeconds: 2,
    });
    const sentBefore = anthropic.messagesStats.admitted;
    const first = a.gateway.enrich(randomUUID(), { prospectId: randomUUID(), title: 'CFO' });
    // Once a has its 429 and has paused everyone (the pause key is there), b asks.
    const raw = createRedis({ url: bridge.url, token: bridge.token });
    while ((await raw.pttl(keys.pause)) <= 0) await new Promise((r) => setTimeout(r, 5));
    const pausedAt = Date.now();
    const admission = await b.limiter.acquire({ inputTokens: 10, maxTokens: 10 });
    expect(Date.now() - pausedAt).toBeGreaterThanOrEqual(1_500);
    expect(b.limiter.stats.waits).toBeGreaterThan(0);
    await b.limiter.release(admission);
    expect((await first).limiter.rateLimited).toBe(1);
    expect(anthropic.messagesStats.admitted - sentBefore).toBe(1);
  });

  it('closed (spend cap) while its acquire was in flight: the probe lease it got is given back', async () => {
    const a = instance();
    const b = instance();
    const pending = a.limiter.acquire({ inputTokens: 10, maxTokens: 10 });
    a.limiter.close(new Error('spend cap'));
    await expect(pending).rejects.toThrow('spend cap');
    const raw = createRedis({ url: bridge.url, token: bridge.token });
    const until = Date.now() + 5_000;
    // The acquire may reach Redis after close(): wait for it and for the give-back.
    while (
      (a.limiter.stats.scriptCalls < 2 || (await raw.hget(keys.state, 'probe')) !== null) &&
      Date.now() < until
    )
      await new Promise((r) => setTimeout(r, 20));
    expect(await raw.hget(keys.state, 'probe')).toBeNull();
    await b.limiter.acquire({ inputTokens: 10, maxTokens: 10 });
    expect(b.limiter.stats.waits).toBe(0);
  });

  it('Redis unreachable: the call fails closed with UNAVAILABLE and nothing reaches Claude', async () => {
    const a = instance();
    await enrichMany(a.gateway, 1);
    bridge.faults.outage = true;
    const sentBefore = anthropic.messagesStats.admitted;
    const error = await a.gateway
      .enrich(randomUUID(), { prospectId: randomUUID(), title: 'CTO' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VigieError);
    expect((error as VigieError).code).toBe('UNAVAILABLE');
    expect((error as Error).message).toMatch(/shared Claude rate limiter/);
    expect((error as Error).message).not.toContain(keys.state);
    expect(anthropic.messagesStats.admitted).toBe(sentBefore);
    // Back: calls pass again.
    bridge.faults.outage = false;
    await expect(enrichMany(a.gateway, 1)).resolves.toHaveLength(1);
  });

  it('a script error (a corrupt bucket hash) fails closed the same way', async () => {
    const a = instance();
    await enrichMany(a.gateway, 1);
    const raw = createRedis({ url: bridge.url, token: bridge.token });
    await raw.hset(keys.state, { rc: 'not-a-number' });
    const sentBefore = anthropic.messagesStats.admitted;
    const error = await a.gateway
      .enrich(randomUUID(), { prospectId: randomUUID(), title: 'CTO' })
      .catch((e: unknown) => e);
    expect((error as VigieError).code).toBe('UNAVAILABLE');
    expect(anthropic.messagesStats.admitted).toBe(sentBefore);
    await raw.del(keys.state, keys.pause);
  });
});
