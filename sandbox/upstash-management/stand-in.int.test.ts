import * as z from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phantomBusterUsage } from '../../adapters/phantombuster/resources.ts';
import { upstashMonthlyBillingUsd } from '../../adapters/upstash/management.ts';
import {
  startPhantomBusterResourcesStandIn,
  type PhantomBusterResourcesStandIn,
} from '../phantombuster/resources.ts';
import {
  goTime,
  startUpstashManagementStandIn,
  type UpstashManagementStandIn,
} from './stand-in.ts';

// Upstash Developer API stats and PhantomBuster fetch-resources stand-ins through our adapters.
let up: UpstashManagementStandIn;
let pb: PhantomBusterResourcesStandIn;
beforeAll(async () => {
  up = await startUpstashManagementStandIn({ email: 'ops@example.test', apiKey: 'k' });
  up.databases.set('db1', {
    monthlyRequests: 1_500_000,
    dailyRequests: [100_000],
    storageBytes: 10,
  });
  pb = await startPhantomBusterResourcesStandIn({ apiKey: 'pb' });
});
afterAll(async () => {
  await up?.close();
  await pb?.close();
});

const upstash = (apiKey = 'k') =>
  upstashMonthlyBillingUsd({
    baseUrl: up.url,
    email: 'ops@example.test',
    apiKey,
    databaseId: 'db1',
    timeoutMs: 300,
  });

describe('Upstash management and PhantomBuster stand-ins', () => {
  it('bills PAYG commands at $0.20 per 100k behind Basic auth', async () => {
    expect(await upstash()).toEqual({ usd: 3, monthlyRequests: 1_500_000 });
    await expect(upstash('wrong')).rejects.toMatchObject({ reason: 'refused', status: 401 });
  });

  it("answers stats as the Developer API's DatabaseStats schema: Go time text in series x", async () => {
    // openapi.yml `DatabaseStats` / `TimeSeriesData` ("Get Database Stats"): x is a string
    // such as "2023-05-22 10:59:23.426 +0000 UTC", y a number; scalars are integers.
    const res = await fetch(`${up.url}/v2/redis/stats/db1`, {
      headers: { authorization: `Basic ${Buffer.from('ops@example.test:k').toString('base64')}` },
    });
    const stats = (await res.json()) as Record<string, unknown>;
    const point = z.object({
      x: z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})? \+0000 UTC$/),
      y: z.number(),
    });
    for (const name of ['dailyrequests', 'dailybilling', 'bandwidths', 'diskusage']) {
      z.array(point).min(1).parse(stats[name]);
    }
    for (const name of [
      'daily_net_commands',
      'dailybandwidth',
      'total_monthly_requests',
      'total_monthly_bandwidth',
      'total_monthly_storage',
      'current_storage',
    ]) {
      expect(Number.isInteger(stats[name]), name).toBe(true);
    }
    expect(stats.days).toEqual([expect.stringMatching(/day$/)]);
    expect(goTime(new Date(Date.UTC(2023, 4, 22, 10, 59, 23, 426)))).toBe(
      '2023-05-22 10:59:23.426 +0000 UTC',
    );
    expect(goTime(new Date(Date.UTC(2025, 7, 31)))).toBe('2025-08-31 00:00:00 +0000 UTC');
  });

  it('reports PhantomBuster execution time and refuses a wrong key', async () => {
    pb.resources.monthlyExecutionMinutes = { current: 90, max: 1200 };
    expect(await phantomBusterUsage({ baseUrl: pb.url, apiKey: 'pb' })).toEqual({
      planName: 'Starter',
      executionMinutesUsed: 90,
      executionMinutesMax: 1200,
    });
    await expect(phantomBusterUsage({ baseUrl: pb.url, apiKey: 'x' })).rejects.toMatchObject({
      status: 401,
    });
  });

  it.each(['server-error', 'rate-limited', 'malformed', 'no-answer'] as const)(
    'fault %s is a named read failure',
    async (mode) => {
      up.faults.mode = mode;
      try {
        await expect(upstash()).rejects.toMatchObject({
          reason: mode === 'no-answer' ? 'timeout' : mode,
        });
      } finally {
        up.faults.mode = 'none';
      }
    },
  );
});
