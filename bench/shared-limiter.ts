import { randomBytes } from 'node:crypto';
import { OrgRateLimiter } from '../adapters/anthropic/rate-limiter.ts';
import { SharedRateLimiter } from '../adapters/anthropic/shared-rate-limiter.ts';
import { createRedis } from '../adapters/upstash/client.ts';
import { startUpstashBridge } from '../sandbox/upstash/bridge.ts';
import { testRedisUrl } from '../testkit/redis.ts';

/**
 * What the shared Claude limiter adds to each enrichment: `acquire` + `settle` on a tier
 * that never binds, one pair at a time, through `@upstash/redis` and the REST bridge on the
 * loopback Redis (`TEST_REDIS_URL`), beside the in-process limiter. Upstash from a Lambda in
 * the same region adds its network round trip to each of the two calls. Also: commands billed
 * per enrichment (the bridge counts as Upstash bills). `BENCH_LIMITER_CALLS` (default 500).
 */
export async function benchSharedLimiter(): Promise<Record<string, number | string>> {
  const calls = Number(process.env.BENCH_LIMITER_CALLS ?? 500);
  const bridge = await startUpstashBridge({
    redisUrl: testRedisUrl(),
    token: randomBytes(16).toString('hex'),
  });
  const prefix = `vigie-bench-limiter-${randomBytes(4).toString('hex')}`;
  const redis = createRedis({ url: bridge.url, token: bridge.token });
  const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null });
  const tier = headers({
    'anthropic-ratelimit-requests-limit': '1000000',
    'anthropic-ratelimit-requests-remaining': '1000000',
    'anthropic-ratelimit-input-tokens-limit': '100000000',
    'anthropic-ratelimit-input-tokens-remaining': '100000000',
    'anthropic-ratelimit-output-tokens-limit': '100000000',
    'anthropic-ratelimit-output-tokens-remaining': '100000000',
  });
  const demand = { inputTokens: 700, maxTokens: 300 };
  const usage = { inputTokens: 650, outputTokens: 120 };
  try {
    const figures: Record<string, number | string> = { calls };
    for (const [name, limiter] of [
      ['process', new OrgRateLimiter()],
      [
        'shared',
        new SharedRateLimiter({
          redis,
          keys: { state: `${prefix}:state`, pause: `${prefix}:pause` },
        }),
      ],
    ] as const) {
      // The probe learns the limits (and loads the scripts); not measured.
      await limiter.settle(await limiter.acquire(demand), { headers: tier, usage });
      const before = bridge.usage.snapshot(new Date()).monthlyRequests;
      const acquire: number[] = [];
      const settle: number[] = [];
      for (let i = 0; i < calls; i += 1) {
        const t0 = performance.now();
        const a = await limiter.acquire(demand);
        const t1 = performance.now();
        await limiter.settle(a, { headers: tier, usage });
        acquire.push(t1 - t0);
        settle.push(performance.now() - t1);
      }
      figures[`${name}: acquire p50 ms`] = pct(acquire, 50);
      figures[`${name}: acquire p95 ms`] = pct(acquire, 95);
      figures[`${name}: settle p50 ms`] = pct(settle, 50);
      figures[`${name}: settle p95 ms`] = pct(settle, 95);
      figures[`${name}: Upstash commands per enrichment`] =
        (bridge.usage.snapshot(new Date()).monthlyRequests - before) / calls;
    }
    return figures;
  } finally {
    await redis.del(`${prefix}:state`, `${prefix}:pause`);
    await bridge.close();
  }
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
