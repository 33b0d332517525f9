import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phantomBusterUsage } from '../../adapters/phantombuster/resources.ts';
import { upstashMonthlyBillingUsd } from '../../adapters/upstash/management.ts';
import {
  startPhantomBusterResourcesStandIn,
  type PhantomBusterResourcesStandIn,
} from '../phantombuster/resources.ts';
import { startUpstashManagementStandIn, type UpstashManagementStandIn } from './stand-in.ts';

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
