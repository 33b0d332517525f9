import * as z from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phantomBusterUsage } from '../../adapters/phantombuster/resources.ts';
import {
  startPhantomBusterResourcesStandIn,
  type PhantomBusterResourcesStandIn,
} from './resources.ts';

// The 200 schema of `GET /orgs/fetch-resources` in PhantomBuster's API v2 swagger ("Gets the
// current organization's resources and usage"): every field a number, all of them required,
// `additionalProperties: false` at both levels.
const n = z.number();
const plan = z.strictObject({
  name: z.string().max(100),
  s3Storage: n,
  mongoStorage: n,
  parallelism: n,
  agents: n,
  scripts: n,
  dailyExecutionTime: n,
  dailyMails: n,
  dailyCaptchas: n,
  dailyDiscoveredMails: n,
  dailyAiCredits: n,
  dailySerpCredits: n.optional(),
  monthlyExecutionTime: n.min(0).optional(),
  monthlyMails: n.min(0).optional(),
  monthlyCaptchas: n.min(0).optional(),
  monthlyDiscoveredMails: n.min(0).optional(),
  monthlyAiCredits: n.min(0).optional(),
  monthlySerpCredits: n.min(0).optional(),
  isAvailable: z.boolean(),
  isUpgradable: z.boolean(),
  duration: n,
  monthlyPrice: n,
  yearlyPrice: n,
  monthlyPrices: z.record(z.string(), n).optional(),
  yearlyPrices: z.record(z.string(), n).optional(),
});
const fetchResources = z.strictObject({
  dailyExecutionTime: n,
  dailyMail: n,
  dailyCaptcha: n,
  dailyDiscoveredMail: n,
  dailyAiCredit: n,
  dailySerpCredits: n,
  monthlyExecutionTime: n,
  monthlyMail: n,
  monthlyCaptcha: n,
  monthlyDiscoveredMail: n,
  monthlyAiCredit: n,
  monthlySerpCredits: n,
  s3Storage: n,
  agentCount: n,
  planName: z.string(),
  plan,
  dailyResourceNextResetAt: n,
  monthlyResourceNextResetAt: n,
  planShouldCancelAt: n.nullable().optional(),
});

let pb: PhantomBusterResourcesStandIn;
beforeAll(async () => {
  pb = await startPhantomBusterResourcesStandIn({ apiKey: 'pb' });
});
afterAll(async () => {
  await pb?.close();
});

const get = (key = 'pb') =>
  fetch(`${pb.url}/api/v2/orgs/fetch-resources`, { headers: { 'X-Phantombuster-Key': key } });

describe('PhantomBuster fetch-resources stand-in', () => {
  it("answers the swagger's schema: numbers at the top level, ceilings under plan", async () => {
    pb.resources.monthlyExecutionMinutes = { current: 90, max: 1200 };
    const res = await get();
    expect(res.status).toBe(200);
    const body = fetchResources.parse(await res.json());
    // Execution time in milliseconds, like the timestamps.
    expect(body.monthlyExecutionTime).toBe(90 * 60_000);
    expect(body.plan.monthlyExecutionTime).toBe(1200 * 60_000);
    expect(body.plan.parallelism).toBe(pb.agents.plan.slots);
    expect(body.dailyResourceNextResetAt).toBeGreaterThan(Date.now());
  });

  it('is read by our adapter as minutes used of the plan, and a wrong key is refused', async () => {
    pb.resources.monthlyExecutionMinutes = { current: 90, max: 1200 };
    expect(await phantomBusterUsage({ baseUrl: pb.url, apiKey: 'pb' })).toEqual({
      planName: 'Starter',
      executionMinutesUsed: 90,
      executionMinutesMax: 1200,
    });
    expect((await get('nope')).status).toBe(401);
  });
});
