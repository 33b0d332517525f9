import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BetterStackStandIn,
  startBetterStackStandIn,
} from '../../sandbox/betterstack/stand-in.ts';
import {
  type BetterStackInputs,
  type BetterStackOutputs,
  createBetterStackProvider,
  retryAfterSeconds,
} from './betterstack.ts';

// The dynamic provider's real HTTP calls against the Better Stack stand-in (held to the
// published API); Pulumi's engine is not involved: the provider's methods are called as the
// engine would call them.
let bs: BetterStackStandIn;
const waits: number[] = [];
const provider = () =>
  createBetterStackProvider({
    baseUrl: bs.url,
    token: 'provider-token',
    sleep: async (ms) => {
      waits.push(ms);
    },
  });

beforeAll(async () => {
  bs = await startBetterStackStandIn({ token: 'provider-token' });
});
afterAll(async () => {
  await bs.close();
});

/** The engine's CreateResult with its outputs, which this provider always returns. */
async function create(p: ReturnType<typeof provider>, inputs: BetterStackInputs) {
  const result = await p.create!(inputs);
  return { id: result.id, outs: result.outs as BetterStackOutputs };
}

const monitor = (overrides: Record<string, unknown> = {}): BetterStackInputs => ({
  kind: 'monitor',
  attributes: {
    pronounceable_name: 'Vigie test: API readiness',
    url: 'https://api.example.test/readyz',
    monitor_type: 'status',
    check_frequency: 30,
    confirmation_period: 60,
    request_timeout: 10,
    regions: ['eu', 'us'],
    ...overrides,
  },
});

describe('Better Stack dynamic provider', () => {
  it('creates, reads, diffs with no change, updates in place and deletes a monitor', async () => {
    const p = provider();
    const created = await create(p, monitor());
    expect(created.outs.adopted).toBe(false);
    expect(bs.store.monitors.get(created.id)).toMatchObject({
      check_frequency: 30,
      request_timeout: 10,
    });

    const read = await p.read!(created.id, created.outs);
    expect(read.props?.remote).toMatchObject({
      pronounceable_name: 'Vigie test: API readiness',
      status: 'pending',
    });

    expect(await p.diff!(created.id, created.outs, monitor())).toMatchObject({
      changes: false,
      replaces: [],
    });

    const wanted = monitor({ check_frequency: 60 });
    const diff = await p.diff!(created.id, created.outs, wanted);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const before = bs.requests.length;
    const updated = await p.update!(created.id, created.outs, wanted);
    // One PATCH carrying only the changed field.
    expect(bs.requests.slice(before)).toEqual([`PATCH /api/v2/monitors/${created.id}`]);
    expect(updated.outs?.remote).toMatchObject({ check_frequency: 60 });
    expect(bs.store.monitors.get(created.id)?.check_frequency).toBe(60);

    await p.delete!(created.id, updated.outs as BetterStackOutputs);
    expect(bs.store.monitors.has(created.id)).toBe(false);
    expect(await p.read!(created.id, created.outs)).toEqual({});
    // Deleting what is already gone is fine.
    await p.delete!(created.id, created.outs);
  });

  it('adopts an existing monitor by name instead of duplicating it, and brings it to the desired state', async () => {
    // Already there (made by hand, or by a run whose state was lost), on page 2 of 3 of the list.
    const auth = { authorization: 'Bearer provider-token', 'content-type': 'application/json' };
    for (let i = 0; i < 60; i += 1) {
      await fetch(`${bs.url}/api/v2/monitors`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ ...monitor().attributes, pronounceable_name: `filler ${i}` }),
      });
    }
    const made = await fetch(`${bs.url}/api/v2/monitors`, {
      method: 'POST',
      headers: { authorization: 'Bearer provider-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        ...monitor().attributes,
        pronounceable_name: 'Vigie test: adopted',
        check_frequency: 300,
      }),
    });
    const existingId = ((await made.json()) as { data: { id: string } }).data.id;
    const count = bs.store.monitors.size;
    const created = await create(
      provider(),
      monitor({ pronounceable_name: 'Vigie test: adopted' }),
    );
    expect(created.id).toBe(existingId);
    expect(created.outs.adopted).toBe(true);
    expect(bs.store.monitors.size).toBe(count);
    expect(bs.store.monitors.get(existingId)?.check_frequency).toBe(30);
    // Found through the documented filter, not by reading every page.
    expect(bs.requests).toContain(
      `GET /api/v2/monitors?pronounceable_name=${encodeURIComponent('Vigie test: adopted')}`,
    );
  });

  it('adopts a heartbeat by name across pages (no filter exists for heartbeats)', async () => {
    const auth = { authorization: 'Bearer provider-token', 'content-type': 'application/json' };
    for (let i = 0; i < 55; i += 1) {
      await fetch(`${bs.url}/api/v2/heartbeats`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ name: `hb ${i}`, period: 60 }),
      });
    }
    const created = await create(provider(), {
      kind: 'heartbeat',
      attributes: { name: 'hb 54', period: 300, grace: 60 },
    });
    expect(created.outs.adopted).toBe(true);
    expect(created.outs.remote.url).toMatch(/\/api\/v1\/heartbeat\/\w+$/);
    expect(bs.store.heartbeats.get(created.id)).toMatchObject({ period: 300, grace: 60 });
    expect(
      bs.requests.filter((r) => r.startsWith('GET /api/v2/heartbeats')).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('replaces only what cannot change in place: a status-page resource moved to another page', async () => {
    const p = provider();
    const page = (subdomain: string) =>
      create(p, {
        kind: 'status-page',
        attributes: {
          subdomain,
          company_name: 'Vigie',
          company_url: 'https://vigie.example',
          timezone: 'Paris',
        },
      });
    const [a, b] = [await page('vigie-a'), await page('vigie-b')];
    const m = await create(p, monitor({ pronounceable_name: 'Vigie test: on a page' }));
    const onA: BetterStackInputs = {
      kind: 'status-page-resource',
      parentId: a.id,
      attributes: { resource_id: Number(m.id), resource_type: 'Monitor', public_name: 'API' },
    };
    const placed = await create(p, onA);
    const renamed = { ...onA, attributes: { ...onA.attributes, public_name: 'Public API' } };
    expect(await p.diff!(placed.id, placed.outs, renamed)).toMatchObject({
      changes: true,
      replaces: [],
    });
    const moved = { ...onA, parentId: b.id };
    expect(await p.diff!(placed.id, placed.outs, moved)).toMatchObject({
      changes: true,
      replaces: ['parentId'],
      deleteBeforeReplace: true,
    });
    // The engine then deletes the old one and creates the new one.
    await p.delete!(placed.id, placed.outs);
    const again = await create(p, moved);
    expect(bs.store.statusPageResources.get(again.id)).toMatchObject({
      status_page_id: Number(b.id),
    });
    expect(bs.store.statusPageResources.has(placed.id)).toBe(false);
  });

  it('manages the incident webhook: adopted by name, replaced when its create-only trigger changes', async () => {
    const p = provider();
    const webhook = (
      trigger: string,
      url = 'https://api.example.test/hooks/betterstack/incidents/t0k3n',
    ): BetterStackInputs => ({
      kind: 'outgoing-webhook',
      attributes: {
        name: 'Vigie test: incidents',
        url,
        trigger_type: trigger,
        on_incident_started: true,
        on_incident_resolved: true,
      },
    });
    const created = await create(p, webhook('incident_change'));
    expect(bs.store.outgoingWebhooks.get(created.id)).toMatchObject({
      trigger_type: 'incident_change',
      on_incident_started: true,
    });
    // The same name again (a lost state file): adopted, not duplicated.
    const again = await create(p, webhook('incident_change'));
    expect(again).toMatchObject({ id: created.id, outs: { adopted: true } });
    const moved = await p.diff!(
      created.id,
      created.outs,
      webhook('incident_change', 'https://other.example.test/h/t'),
    );
    expect(moved).toMatchObject({ changes: true, replaces: [] });
    const retyped = await p.diff!(created.id, created.outs, webhook('monitor_change'));
    expect(retyped.replaces).toEqual(['attributes']);
    await p.delete!(created.id, created.outs);
    expect(bs.store.outgoingWebhooks.has(created.id)).toBe(false);
  });

  it('waits out 429 with Retry-After, then succeeds', async () => {
    waits.length = 0;
    bs.rateLimitNext(2, 7);
    const created = await create(provider(), {
      kind: 'policy',
      attributes: { name: 'Vigie test: rate limited', steps: [] },
    });
    expect(waits).toEqual([7_000, 7_000]);
    expect(bs.store.policies.get(created.id)?.name).toBe('Vigie test: rate limited');
  });

  it('gives up on a 429 whose Retry-After is too long, naming the status', async () => {
    bs.rateLimitNext(1, 3_600);
    await expect(
      create(provider(), { kind: 'policy', attributes: { name: 'never', steps: [] } }),
    ).rejects.toThrow(/answered 429/);
  });

  it('surfaces the API’s validation errors (a request_timeout in seconds on a tcp monitor)', async () => {
    await expect(
      provider().create!(
        monitor({
          pronounceable_name: 'tcp',
          monitor_type: 'tcp',
          port: '5432',
          url: 'db.example.test',
          request_timeout: 10,
        }),
      ),
    ).rejects.toThrow(/422.*request_timeout/);
  });

  it('checks inputs before the engine calls create', async () => {
    const { failures } = await provider().check!({} as BetterStackInputs, {
      kind: 'monitor',
      attributes: { url: 'https://x.example' },
    });
    expect(failures).toEqual([expect.objectContaining({ property: 'attributes' })]);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-30T10:00:00Z');
    expect(retryAfterSeconds('12', now)).toBe(12);
    expect(retryAfterSeconds('Mon, 30 Nov 2026 10:00:30 GMT', now)).toBe(30);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
  });
});
