/**
 * PhantomBuster stand-in, the scraping side of API v2 (swagger `phantombuster/public-gists`
 * `swagger-api-v2.json`, 2026-04-30; docs/load/provider-limits.md):
 * - `POST /api/v2/agents/launch` `{id, argument}` → `{containerId}`; an unknown agent is 404,
 *   a missing id 400;
 * - `GET /api/v2/containers/fetch?id=` → `{id, agentId, status: starting|running|finished,
 *   createdAt, launchedAt?, endedAt?, endType?, exitCode?}` (milliseconds);
 * - `GET /api/v2/containers/fetch-result-object?id=` → `{resultObject}`: a JSON **string** once
 *   finished, `null` before.
 * Plan model (settings, `core/capacity/providers.ts`): `slots` containers run at once (one per
 * Phantom slot), more wait as `starting` in launch order; a container takes `launchMs` to start
 * then `msPerProfile` per profile; its run time is added to the month's execution time that
 * `fetch-resources` reports. Scraped profiles are made up from the profile URL (no LinkedIn).
 */
import { createHash } from 'node:crypto';
import { Hono } from 'hono';

export interface AgentPlan {
  slots: number;
  launchMs: number;
  msPerProfile: number;
}

export interface Container {
  id: string;
  agentId: string;
  status: 'starting' | 'running' | 'finished';
  createdAt: number;
  launchedAt?: number;
  endedAt?: number;
  profileUrls: string[];
  result?: string;
}

export interface AgentsState {
  plan: AgentPlan;
  agentIds: Set<string>;
  containers: Map<string, Container>;
  /** Milliseconds of container run time so far (feeds `fetch-resources`). */
  executionMs: { total: number };
  stats: { launched: number; maxRunning: number; maxQueued: number };
}

export function agentsState(plan: AgentPlan, agentIds: readonly string[]): AgentsState {
  return {
    plan,
    agentIds: new Set(agentIds),
    containers: new Map(),
    executionMs: { total: 0 },
    stats: { launched: 0, maxRunning: 0, maxQueued: 0 },
  };
}

/** The agent the local staging's n8n workflow launches (LinkedIn Profile Scraper). */
export const LINKEDIN_PROFILE_SCRAPER_AGENT_ID = '4815162342';

const TITLES = ['VP Sales', 'Head of Growth', 'CTO', 'Founder', 'Sales Director', 'COO'];
const INDUSTRIES = ['Software', 'Logistics', 'Fintech', 'Industrial automation', 'Healthcare IT'];
const SIZES = ['11-50', '51-200', '201-500'];

/** A made-up but stable profile for a URL: the fields LinkedIn Profile Scraper returns. */
export function scrapedProfile(profileUrl: string): Record<string, string> {
  const h = createHash('sha256').update(profileUrl).digest();
  const pick = <T>(list: readonly T[], i: number) => list[h[i]! % list.length]!;
  return {
    profileUrl,
    fullName: `Person ${h.readUInt16BE(0)}`,
    jobTitle: pick(TITLES, 2),
    headline: `${pick(TITLES, 2)} at Company ${h.readUInt16BE(3)}`,
    company: `Company ${h.readUInt16BE(3)}`,
    companyIndustry: pick(INDUSTRIES, 5),
    companySize: pick(SIZES, 6),
    location: 'France',
  };
}

export function agentRoutes(state: AgentsState, apiKey: string): Hono {
  const app = new Hono();
  let next = 7_000_000_000_000_000;
  app.use('/api/v2/agents/*', auth);
  app.use('/api/v2/containers/*', auth);

  async function auth(
    c: Parameters<Parameters<Hono['use']>[1]>[0],
    nextHandler: () => Promise<void>,
  ) {
    const key = c.req.header('x-phantombuster-key') ?? c.req.header('x-phantombuster-key-1');
    if (key !== apiKey) return c.json({ status: 'error', error: 'Unauthorized' }, 401);
    return nextHandler();
  }

  function schedule(): void {
    const now = Date.now();
    const all = [...state.containers.values()];
    let running = all.filter((x) => x.status === 'running').length;
    for (const c of all) {
      if (running >= state.plan.slots) break;
      if (c.status !== 'starting') continue;
      running += 1;
      c.status = 'running';
      c.launchedAt = now;
      const ms = state.plan.launchMs + state.plan.msPerProfile * c.profileUrls.length;
      setTimeout(() => {
        c.status = 'finished';
        c.endedAt = Date.now();
        state.executionMs.total += c.endedAt - (c.launchedAt ?? c.endedAt);
        c.result = JSON.stringify(c.profileUrls.map(scrapedProfile));
        schedule();
      }, ms).unref();
    }
    state.stats.maxRunning = Math.max(state.stats.maxRunning, running);
    const queued = all.filter((x) => x.status === 'starting').length;
    state.stats.maxQueued = Math.max(state.stats.maxQueued, queued);
  }

  app.post('/api/v2/agents/launch', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as
      { id?: unknown; argument?: unknown } | undefined;
    const id = body?.id === undefined ? undefined : String(body.id);
    if (id === undefined || id === '')
      return c.json({ status: 'error', error: 'Missing agent id' }, 400);
    if (!state.agentIds.has(id)) return c.json({ status: 'error', error: 'Agent not found' }, 404);
    let argument = body?.argument;
    if (typeof argument === 'string') {
      try {
        argument = JSON.parse(argument);
      } catch {
        return c.json({ status: 'error', error: 'argument is not valid JSON' }, 400);
      }
    }
    const urls = (argument as { profileUrls?: unknown } | undefined)?.profileUrls;
    if (!Array.isArray(urls) || !urls.every((u) => typeof u === 'string'))
      return c.json(
        { status: 'error', error: 'argument.profileUrls: expected a list of URLs' },
        400,
      );
    const container: Container = {
      id: String(next++),
      agentId: id,
      status: 'starting',
      createdAt: Date.now(),
      profileUrls: urls as string[],
    };
    state.containers.set(container.id, container);
    state.stats.launched += 1;
    schedule();
    return c.json({ containerId: container.id });
  });

  app.get('/api/v2/containers/fetch', (c) => {
    const container = state.containers.get(c.req.query('id') ?? '');
    if (!container) return c.json({ status: 'error', error: 'Container not found' }, 404);
    const { profileUrls: _urls, result: _result, ...view } = container;
    return c.json({
      ...view,
      ...(container.status === 'finished' ? { endType: 'finished', exitCode: 0 } : {}),
    });
  });

  app.get('/api/v2/containers/fetch-result-object', (c) => {
    const container = state.containers.get(c.req.query('id') ?? '');
    if (!container) return c.json({ status: 'error', error: 'Container not found' }, 404);
    return c.json({ id: container.id, resultObject: container.result ?? null });
  });
  return app;
}
