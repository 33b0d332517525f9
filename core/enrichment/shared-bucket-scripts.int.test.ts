import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../testkit/redis.ts';
import { ACQUIRE_SCRIPT, SETTLE_SCRIPT } from './shared-bucket-scripts.ts';

// The scripts' semantics on a real Redis (its TIME is the clock, so the limits are chosen to
// refill slowly: 60 per minute is one token a second, ~0 over a test's few milliseconds).
const redis = new Redis(testRedisUrl());
let keys: [string, string];
beforeEach(() => {
  const p = `vigie-t-bucket-${randomBytes(4).toString('hex')}`;
  keys = [`${p}:state`, `${p}:pause`];
});
afterAll(async () => {
  const left = await redis.keys('vigie-t-bucket-*');
  if (left.length) await redis.del(...left);
  redis.disconnect();
});

const TTL = 600_000;
const acquire = (input: number, output: number, skewMs = 0) =>
  redis.eval(ACQUIRE_SCRIPT, 2, ...keys, input, output, 30_000, TTL, skewMs) as Promise<
    [number, number, string, ...string[]]
  >;
const headers = (limits: [number, number, number], remaining: [number, number, number]) =>
  [0, 1, 2].flatMap((i) => [String(limits[i]), String(remaining[i])]);
const settle = (
  deltas: [number, number, number],
  o: { pauseMs?: number; clearProbe?: boolean; headers?: string[] } = {},
) =>
  redis.eval(
    SETTLE_SCRIPT,
    2,
    ...keys,
    ...deltas,
    o.pauseMs ?? 0,
    o.clearProbe ? '1' : '0',
    TTL,
    ...(o.headers ?? ['', '', '', '', '', '']),
  ) as Promise<[number, number]>;
const levels = async () => {
  const [rc, rl, ic, il, oc, ol] = await redis.hmget(keys[0], 'rc', 'rl', 'ic', 'il', 'oc', 'ol');
  return {
    rc: Number(rc),
    rl: Number(rl),
    ic: Number(ic),
    il: Number(il),
    oc: Number(oc),
    ol: Number(ol),
  };
};

describe('the shared bucket scripts', () => {
  it('limits unknown: one probe lease for everyone; its answer creates the buckets from the headers', async () => {
    expect(await acquire(100, 100)).toEqual([1, 0, 'probe']);
    const second = await acquire(100, 100);
    expect(second.slice(0, 1)).toEqual([0]);
    expect(second[2]).toBe('probe');
    expect(second[1]).toBeGreaterThan(29_000);
    // The answer: limits and remaining (the probe's own use already counted by the provider).
    expect(
      await settle([0, 0, 0], {
        clearProbe: true,
        headers: headers([60, 6000, 1200], [59, 5900, 1100]),
      }),
    ).toEqual([0, 1]);
    const l = await levels();
    expect(l).toMatchObject({ rc: 60, ic: 6000, oc: 1200 });
    expect(l.rl).toBeCloseTo(59, 0);
    expect(l.il).toBeCloseTo(5900, 0);
    expect(await redis.hexists(keys[0], 'probe')).toBe(0);
    expect(await redis.pttl(keys[0])).toBeGreaterThan(TTL - 5_000);
  });

  it('a settle without the three limits does not create buckets (the probe lease just ends)', async () => {
    await acquire(100, 100);
    expect(await settle([0, 0, 0], { clearProbe: true })).toEqual([0, 0]);
    expect(await redis.hget(keys[0], 'rc')).toBeNull();
    expect((await acquire(100, 100))[2]).toBe('probe');
  });

  it('takes all three shares or none, and says how long until the slowest bucket holds its share', async () => {
    await acquire(1, 1);
    await settle([0, 0, 0], {
      clearProbe: true,
      headers: headers([60, 6000, 1200], [60, 6000, 300]),
    });
    const ok = await acquire(100, 200);
    expect(ok.slice(0, 3)).toEqual([1, 0, 'ok']);
    expect(Number(ok[5])).toBeCloseTo(300, 0);
    // Output holds ~100 now: 200 more needs ~100 tokens at 20/s, about 5 s. Nothing taken.
    const before = await levels();
    const wait = await acquire(100, 200);
    expect(wait[0]).toBe(0);
    expect(wait[2]).toBe('bucket');
    expect(wait[1]).toBeGreaterThan(4_500);
    expect(wait[1]).toBeLessThanOrEqual(5_000);
    const after = await levels();
    expect(after.rl).toBeCloseTo(before.rl, 0);
    expect(after.il).toBeCloseTo(before.il, 0);
  });

  it('holds back skew ms of refill: a share the mirror only just holds waits for the margin', async () => {
    await acquire(1, 1);
    await settle([0, 0, 0], {
      clearProbe: true,
      headers: headers([60, 6000, 1200], [60, 6000, 300]),
    });
    // Output holds 300 and the share is 300: without skew it passes at once; with 500 ms of
    // skew (10 tokens at 20/s) it waits about half a second, and nothing is taken.
    const held = await acquire(100, 300, 500);
    expect(held[0]).toBe(0);
    expect(held[2]).toBe('bucket');
    expect(held[1]).toBeGreaterThan(400);
    expect(held[1]).toBeLessThanOrEqual(500);
    expect((await levels()).ol).toBeCloseTo(300, 0);
    expect((await acquire(100, 300)).slice(0, 3)).toEqual([1, 0, 'ok']);
  });

  it('a share above a capacity can never pass: too-big with the capacities', async () => {
    await acquire(1, 1);
    await settle([0, 0, 0], {
      clearProbe: true,
      headers: headers([60, 6000, 1200], [60, 6000, 1200]),
    });
    expect(await acquire(100, 5_000)).toEqual([-1, 0, 'too-big', '60', '6000', '1200']);
  });

  it('refunds are capped at capacity; a lower reported remaining wins, a higher one does not', async () => {
    await acquire(1, 1);
    await settle([0, 0, 0], {
      clearProbe: true,
      headers: headers([60, 6000, 1200], [60, 6000, 1200]),
    });
    await acquire(100, 200);
    await settle([0, 50, 10_000]);
    let l = await levels();
    expect(l.ol).toBe(1200);
    expect(l.il).toBeCloseTo(5950, 0);
    // Within the header's precision (1 request, 1,000 tokens) the mirror stays; beyond, the
    // provider's figure wins (other traffic took from the buckets).
    await settle([0, 0, 0], { headers: headers([60, 6000, 1200], [10, 5000, 100]) });
    l = await levels();
    expect(l.rl).toBe(10);
    expect(l.il).toBeCloseTo(5950, -1);
    expect(l.ol).toBe(100);
    await settle([0, 0, 0], { headers: headers([60, 6000, 1200], [10, 6000, 1200]) });
    expect((await levels()).rl).toBeLessThan(10.5);
    // A new, lower limit is the capacity from now on.
    await settle([0, 0, 0], { headers: ['30', '', '6000', '', '1200', ''] });
    expect((await levels()).rc).toBe(30);
  });

  it('a changed limit (a new tier) is a new bucket: its reported remaining wins exactly', async () => {
    await acquire(1, 1);
    await settle([0, 0, 0], {
      clearProbe: true,
      headers: headers([1000, 450_000, 90_000], [1000, 450_000, 90_000]),
    });
    // The tier drops to 50 RPM with fresh buckets; our call took one: remaining 49. Within the
    // old tolerance (1 request) the full mirror of 50 would stay, one above the provider.
    await acquire(100, 200);
    await settle([0, 0, 0], { headers: headers([50, 50_000, 10_000], [49, 49_000, 9_000]) });
    const l = await levels();
    expect(l).toMatchObject({ rc: 50, ic: 50_000, oc: 10_000 });
    expect(l.rl).toBeLessThan(49.1);
    expect(l.il).toBeLessThan(49_100);
    expect(l.ol).toBeLessThan(9_100);
  });

  it('a pause holds every acquire until it ends and only ever extends', async () => {
    await acquire(1, 1);
    await settle([0, 0, 0], {
      clearProbe: true,
      headers: headers([60, 6000, 1200], [60, 6000, 1200]),
    });
    const [left] = await settle([0, 0, 0], { pauseMs: 3_000 });
    expect(left).toBeGreaterThan(2_900);
    const [shorter] = await settle([0, 0, 0], { pauseMs: 500 });
    expect(shorter).toBeGreaterThan(2_400);
    const paused = await acquire(1, 1);
    expect(paused[0]).toBe(0);
    expect(paused[2]).toBe('paused');
    expect(paused[1]).toBeGreaterThan(2_400);
    expect(await redis.pttl(keys[1])).toBeGreaterThan(2_400);
  });
});
