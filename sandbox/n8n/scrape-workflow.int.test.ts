import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../http-faults.ts';
import { LINKEDIN_PROFILE_SCRAPER_AGENT_ID } from '../phantombuster/agents.ts';
import {
  type PhantomBusterResourcesStandIn,
  startPhantomBusterResourcesStandIn,
} from '../phantombuster/resources.ts';
import { type N8nStandIn, startN8nStandIn } from './stand-in.ts';

// The workflow really calls PhantomBuster (launch, poll, result object) and the enrichment
// hook, and the plan's concurrency queues the executions beyond it (status `new`).
let pb: PhantomBusterResourcesStandIn;
let n8n: N8nStandIn;
let hook: RunningServer;
const enrichCalls: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  pb = await startPhantomBusterResourcesStandIn({
    apiKey: 'pb-key',
    plan: { slots: 2, launchMs: 40, msPerProfile: 10 },
  });
  const app = new Hono();
  app.post('/hooks/n8n/enrichments', async (c) => {
    if (c.req.header('X-Vigie-Hook-Secret') !== 'secret') return c.json({}, 401);
    const body = (await c.req.json()) as Record<string, unknown>;
    enrichCalls.push(body);
    return c.json({ prospectId: body.prospectId, brief: `brief for ${String(body.title)}` });
  });
  hook = await listen(app);
  n8n = await startN8nStandIn({
    apiKey: 'n8n-key',
    concurrency: 2,
    workflow: {
      phantombuster: {
        url: pb.url,
        apiKey: 'pb-key',
        agentId: LINKEDIN_PROFILE_SCRAPER_AGENT_ID,
        pollMs: 20,
      },
      enrich: { url: () => `${hook.url}/hooks/n8n/enrichments`, hookSecret: 'secret' },
    },
  });
});
afterAll(async () => {
  await n8n?.close();
  await pb?.close();
  await hook?.close();
});

async function execution(id: string) {
  const r = await fetch(`${n8n.url}/api/v1/executions/${id}?includeData=true`, {
    headers: { 'X-N8N-API-KEY': 'n8n-key' },
  });
  return (await r.json()) as {
    status: string;
    startedAt: string;
    stoppedAt: string | null;
    data: { resultData: { runData: Record<string, unknown>; lastNodeExecuted: string } };
  };
}

describe('n8n stand-in: scrape-and-enrich wired to PhantomBuster and the gateway', () => {
  it('queues beyond the plan concurrency, scrapes through PhantomBuster, enriches every prospect with only the prompt fields', async () => {
    const userId = randomUUID();
    const started = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const prospects = [
          { id: randomUUID(), fullName: 'Jeanne Dupont', email: 'j@example.com' },
          { id: randomUUID(), linkedinUrl: 'https://www.linkedin.com/in/someone' },
        ];
        const r = await fetch(`${n8n.url}/webhook/scrape-and-enrich`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId, prospects }),
        });
        return (await r.json()) as { executionId: string; status: string };
      }),
    );
    expect(started.map((s) => s.status).sort()).toEqual([
      'new',
      'new',
      'new',
      'running',
      'running',
    ]);
    const ids = started.map((s) => s.executionId);
    for (let i = 0; i < 200; i += 1) {
      const all = await Promise.all(ids.map(execution));
      if (all.every((e) => e.status === 'success' || e.status === 'error')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const done = await Promise.all(ids.map(execution));
    expect(done.map((e) => e.status)).toEqual(Array(5).fill('success'));
    expect(done[0]!.data.resultData.lastNodeExecuted).toBe('Enrich with Claude');
    expect(Object.keys(done[0]!.data.resultData.runData)).toEqual([
      'Webhook',
      'PhantomBuster launch',
      'Wait for container',
      'Fetch result object',
      'Enrich with Claude',
    ]);
    expect(n8n.queue.stats.maxRunning).toBe(2);
    expect(n8n.queue.stats.maxQueued).toBe(3);
    expect(pb.agents.stats).toMatchObject({ launched: 5 });
    expect(pb.agents.stats.maxRunning).toBeLessThanOrEqual(2);
    expect(enrichCalls).toHaveLength(10);
    for (const call of enrichCalls) {
      expect(call.tenantId).toBe(userId);
      expect(Object.keys(call).sort()).toEqual(
        [
          'company',
          'companySize',
          'headline',
          'industry',
          'prospectId',
          'tenantId',
          'title',
        ].sort(),
      );
    }
    // The run time went into the month's execution time that fetch-resources reports.
    const resources = (await (
      await fetch(`${pb.url}/api/v2/orgs/fetch-resources`, {
        headers: { 'X-Phantombuster-Key': 'pb-key' },
      })
    ).json()) as { monthlyExecutionTime: number };
    expect(resources.monthlyExecutionTime).toBeGreaterThan(0);
  });

  it('PhantomBuster refuses an unknown agent, a missing id and a bad argument; fetch-result-object is null while running', async () => {
    const launch = (body: unknown) =>
      fetch(`${pb.url}/api/v2/agents/launch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'X-Phantombuster-Key': 'pb-key' },
        body: JSON.stringify(body),
      });
    expect((await launch({ id: '1', argument: { profileUrls: [] } })).status).toBe(404);
    expect((await launch({ argument: {} })).status).toBe(400);
    expect((await launch({ id: LINKEDIN_PROFILE_SCRAPER_AGENT_ID, argument: '{bad' })).status).toBe(
      400,
    );
    const { containerId } = (await (
      await launch({
        id: LINKEDIN_PROFILE_SCRAPER_AGENT_ID,
        argument: JSON.stringify({ profileUrls: ['u'] }),
      })
    ).json()) as { containerId: string };
    const result = (await (
      await fetch(`${pb.url}/api/v2/containers/fetch-result-object?id=${containerId}`, {
        headers: { 'X-Phantombuster-Key': 'pb-key' },
      })
    ).json()) as { resultObject: string | null };
    expect(result.resultObject).toBeNull();
    const unauth = await fetch(`${pb.url}/api/v2/containers/fetch?id=${containerId}`);
    expect(unauth.status).toBe(401);
  });
});
