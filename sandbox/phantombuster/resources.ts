/**
 * PhantomBuster stand-in for `GET /api/v2/orgs/fetch-resources` (the quota monitor).
 *
 * Follows PhantomBuster's API v2 swagger (`phantombuster/public-gists` swagger-api-v2.json,
 * 2026-04-30; docs/providers/upstash-phantombuster.md): header `X-Phantombuster-Key`
 * (`X-Phantombuster-Key-1` also accepted), timestamps in milliseconds, fields
 * `monthlyExecutionTime`, `dailyExecutionTime`, `monthlyAiCredit`, `monthlyMail`, `agentCount`,
 * `planName`, `monthlyResourceNextResetAt`. The swagger does not specify the inner shape of the
 * resource fields; this stand-in (and the adapter) assume `{current, max}` in minutes.
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
    return c.json({
      planName: resources.planName,
      monthlyExecutionTime: {
        current: resources.monthlyExecutionMinutes.current + agents.executionMs.total / 60_000,
        max: resources.monthlyExecutionMinutes.max,
      },
      dailyExecutionTime: resources.dailyExecutionMinutes,
      monthlyAiCredit: { current: 0, max: 0 },
      monthlyMail: { current: 0, max: 0 },
      agentCount: resources.agentCount,
      monthlyResourceNextResetAt: resources.monthlyResourceNextResetAt,
    });
  });
  const server = await listen(app, options.port, () => closing.abort());
  return { url: server.url, faults, resources, agents, close: server.close };
}
