/**
 * PhantomBuster stand-in for `GET /api/v2/orgs/fetch-resources` (the quota monitor).
 *
 * Follows PhantomBuster's API v2 swagger (`phantombuster/public-gists` swagger-api-v2.json,
 * "Gets the current organization's resources and usage"; docs/providers/upstash-phantombuster.md):
 * header `X-Phantombuster-Key` (`X-Phantombuster-Key-1` also accepted), timestamps in
 * milliseconds. Every usage field is a plain **number** at the top level (`monthlyExecutionTime`,
 * `dailyExecutionTime`, `monthlyMail`, … all required, no other key allowed) and the plan's
 * ceilings sit in a nested `plan` object (`plan.monthlyExecutionTime`, `plan.dailyMails`, …).
 * The swagger gives no unit for execution time; PhantomBuster answers milliseconds (its free
 * plan's `plan.dailyExecutionTime` is 1 800 000), so the stand-in does too. Its knobs stay in
 * minutes (`resources.monthlyExecutionMinutes`), turned into milliseconds on the wire.
 */
import { Hono } from 'hono';
import { PHANTOMBUSTER_PLANS, PHANTOMBUSTER_TIMING } from '../../core/capacity/providers.ts';
import { defaultFaults, faultMiddleware, type HttpFaults, listen } from '../http-faults.ts';
import {
  type AgentPlan,
  agentRoutes,
  type AgentsState,
  agentsState,
  LINKEDIN_PROFILE_SCRAPER_AGENT_ID,
} from './agents.ts';

export interface PhantomBusterResources {
  planName: string;
  monthlyExecutionMinutes: { current: number; max: number };
  dailyExecutionMinutes: { current: number; max: number };
  agentCount: number;
  monthlyResourceNextResetAt: number;
}

export interface PhantomBusterResourcesStandIn {
  url: string;
  faults: HttpFaults;
  resources: PhantomBusterResources;
  /** The scraping side (`agents.ts`): plan, containers, stats. */
  agents: AgentsState;
  close(): Promise<void>;
}

export async function startPhantomBusterResourcesStandIn(options: {
  apiKey: string;
  port?: number;
  resources?: Partial<PhantomBusterResources>;
  /** Slots and timings of the plan (default: Starter, `core/capacity/providers.ts`). */
  plan?: Partial<AgentPlan>;
}): Promise<PhantomBusterResourcesStandIn> {
  const faults = defaultFaults();
  const resources: PhantomBusterResources = {
    planName: 'Starter',
    monthlyExecutionMinutes: { current: 0, max: 20 * 60 },
    dailyExecutionMinutes: { current: 0, max: 120 },
    agentCount: 3,
    monthlyResourceNextResetAt: Date.UTC(2100, 0, 1),
    ...options.resources,
  };
  const agents = agentsState(
    {
      slots: PHANTOMBUSTER_PLANS.starter.slots,
      launchMs: PHANTOMBUSTER_TIMING.launchMs,
      msPerProfile: PHANTOMBUSTER_TIMING.msPerProfile,
      ...options.plan,
    },
    [LINKEDIN_PROFILE_SCRAPER_AGENT_ID],
  );
  const closing = new AbortController();
  const app = new Hono();
  app.use('*', faultMiddleware(faults, closing.signal));
  app.route('/', agentRoutes(agents, options.apiKey));
  app.get('/api/v2/orgs/fetch-resources', (c) => {
    const key = c.req.header('x-phantombuster-key') ?? c.req.header('x-phantombuster-key-1');
    if (key !== options.apiKey) return c.json({ status: 'error', error: 'Unauthorized' }, 401);
    return c.json(fetchResourcesBody(resources, agents));
  });
  const server = await listen(app, options.port, () => closing.abort());
  return { url: server.url, faults, resources, agents, close: server.close };
}

const MS_PER_MINUTE = 60_000;
const DAY_MS = 86_400_000;

/** The swagger's response: usage numbers at the top level, the plan's ceilings under `plan`. */
export function fetchResourcesBody(resources: PhantomBusterResources, agents: AgentsState) {
  const monthlyMs =
    resources.monthlyExecutionMinutes.current * MS_PER_MINUTE + agents.executionMs.total;
  return {
    dailyExecutionTime: Math.round(resources.dailyExecutionMinutes.current * MS_PER_MINUTE),
    dailyMail: 0,
    dailyCaptcha: 0,
    dailyDiscoveredMail: 0,
    dailyAiCredit: 0,
    dailySerpCredits: 0,
    monthlyExecutionTime: Math.round(monthlyMs),
    monthlyMail: 0,
    monthlyCaptcha: 0,
    monthlyDiscoveredMail: 0,
    monthlyAiCredit: 0,
    monthlySerpCredits: 0,
    s3Storage: 0,
    agentCount: resources.agentCount,
    planName: resources.planName,
    plan: {
      name: resources.planName,
      s3Storage: 0,
      mongoStorage: 0,
      parallelism: agents.plan.slots,
      agents: agents.agentIds.size,
      scripts: 0,
      dailyExecutionTime: resources.dailyExecutionMinutes.max * MS_PER_MINUTE,
      dailyMails: 0,
      dailyCaptchas: 0,
      dailyDiscoveredMails: 0,
      dailyAiCredits: 0,
      dailySerpCredits: 0,
      monthlyExecutionTime: resources.monthlyExecutionMinutes.max * MS_PER_MINUTE,
      monthlyMails: 0,
      monthlyCaptchas: 0,
      monthlyDiscoveredMails: 0,
      monthlyAiCredits: 0,
      monthlySerpCredits: 0,
      isAvailable: true,
      isUpgradable: true,
      duration: 1,
      monthlyPrice: 0,
      yearlyPrice: 0,
    },
    // The daily counters reset at the next UTC midnight.
    dailyResourceNextResetAt: (Math.floor(Date.now() / DAY_MS) + 1) * DAY_MS,
    monthlyResourceNextResetAt: resources.monthlyResourceNextResetAt,
  };
}
