import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstashMonthlyBillingUsd } from '../../adapters/upstash/management.ts';
import { createRedis } from '../../adapters/upstash/client.ts';
import { testRedisUrl } from '../../testkit/redis.ts';
import {
  PAYG_USD_PER_100K,
  startUpstashManagementStandIn,
  usageFromBridge,
  type UpstashManagementStandIn,
} from '../upstash-management/stand-in.ts';
import { startUpstashBridge, type UpstashBridge } from './bridge.ts';

const prefix = `vigie-t-usage-${randomBytes(4).toString('hex')}:`;
const k = (name: string) => prefix + name;
const NOW = new Date('2026-11-30T10:00:00Z');

let bridge: UpstashBridge;
let management: UpstashManagementStandIn;
beforeAll(async () => {
  bridge = await startUpstashBridge({ redisUrl: testRedisUrl(), token: 'u', now: () => NOW });
  management = await startUpstashManagementStandIn({
    email: 'ops@example.test',
    apiKey: 'key',
    now: () => NOW,
  });
  management.databases.set(
    'db',
    usageFromBridge(bridge, () => NOW),
  );
});
afterAll(async () => {
  const redis = createRedis({ url: bridge.url, token: 'u', autoPipelining: false });
  const keys = (await redis.keys(`${prefix}*`)) as string[];
  if (keys.length > 0) await redis.del(...keys);
  await bridge.close();
  await management.close();
});

const today = () => bridge.usage.snapshot(NOW).days.at(-1)!;

async function post(path: string, body: string) {
  const res = await fetch(bridge.url + path, {
    method: 'POST',
    headers: { authorization: 'Bearer u' },
    body,
  });
  return {
    status: res.status,
    bytes: Buffer.byteLength(body) + (await res.arrayBuffer()).byteLength,
  };
}

describe('the bridge counts commands and bytes as Upstash bills them', () => {
  it('one per command, each one of a pipeline or transaction; PING free; a discarded transaction nothing', async () => {
    const start = today();
    const moved: number[] = [];
    const one = await post('/', JSON.stringify(['SET', k('a'), 'hello']));
    const pipeline = await post(
      '/pipeline',
      JSON.stringify([
        ['INCR', k('n')],
        ['INCR', k('n')],
        ['GET', k('a')],
      ]),
    );
    const tx = await post(
      '/multi-exec',
      JSON.stringify([
        ['INCR', k('n')],
        ['GET', k('n')],
      ]),
    );
    const ping = await post('/', JSON.stringify(['PING']));
    const discarded = await post(
      '/multi-exec',
      JSON.stringify([
        ['SET', k('b')],
        ['INCR', k('n')],
      ]),
    );
    const refused = await post('/', '{not json');
    moved.push(one.bytes, pipeline.bytes, tx.bytes, ping.bytes, discarded.bytes, refused.bytes);
    expect([one, pipeline, tx, ping, discarded, refused].map((r) => r.status)).toEqual([
      200, 200, 200, 200, 400, 400,
    ]);
    expect(today().commands - start.commands).toBe(1 + 3 + 2);
    // Bytes each way, whatever was refused: request body plus answer body.
    expect(today().bandwidthBytes - start.bandwidthBytes).toBe(moved.reduce((a, b) => a + b));
  });

  it('the official client’s auto-pipelined commands count one each', async () => {
    const start = today().commands;
    const redis = createRedis({ url: bridge.url, token: 'u' });
    await Promise.all([redis.set(k('p1'), '1'), redis.set(k('p2'), '2'), redis.get(k('p1'))]);
    expect(today().commands - start).toBe(3);
  });

  it('a subscription counts as one command and its events as bandwidth', async () => {
    const start = today();
    const controller = new AbortController();
    const res = await fetch(`${bridge.url}/subscribe/${k('ch')}`, {
      method: 'POST',
      headers: { authorization: 'Bearer u' },
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(today().commands - start.commands).toBe(1);
    expect(today().bandwidthBytes - start.bandwidthBytes).toBe(value!.byteLength);
    controller.abort();
  });

  it('the Developer API stand-in serves the measured figures, and the cost reader bills them', async () => {
    const { monthlyRequests, monthlyBandwidthBytes } = bridge.usage.snapshot(NOW);
    expect(monthlyRequests).toBeGreaterThanOrEqual(10);
    const read = await upstashMonthlyBillingUsd({
      baseUrl: management.url,
      email: 'ops@example.test',
      apiKey: 'key',
      databaseId: 'db',
    });
    expect(read).toEqual({
      usd: (monthlyRequests / 100_000) * PAYG_USD_PER_100K,
      monthlyRequests,
    });
    const stats = (await (
      await fetch(`${management.url}/v2/redis/stats/db`, {
        headers: {
          authorization: `Basic ${Buffer.from('ops@example.test:key').toString('base64')}`,
        },
      })
    ).json()) as Record<string, unknown>;
    expect(stats.dailybandwidth).toBe(monthlyBandwidthBytes);
    expect((stats.dailyrequests as Array<{ y: number }>).at(-1)!.y).toBe(monthlyRequests);
    expect(stats.total_monthly_storage).toBeGreaterThan(0);
  });
});
