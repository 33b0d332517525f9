import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  docsBadRangeError,
  docsHeartbeat,
  docsHeartbeatAvailability,
  docsIncident,
  docsMonitor,
} from './fixtures/docs-examples.ts';
import { type BetterStackStandIn, startBetterStackStandIn } from './stand-in.ts';

// The stand-in held to Better Stack's published API: its answers are compared with the
// documentation's own examples (fixtures/docs-examples.ts), not with what our adapter reads.
let bs: BetterStackStandIn;
const headers = { authorization: 'Bearer docs-token', 'content-type': 'application/json' };
const call = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${bs.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field
  return { status: r.status, json: (await r.json().catch(() => null)) as any };
};

beforeAll(async () => {
  bs = await startBetterStackStandIn({ token: 'docs-token' });
});
afterAll(async () => {
  await bs.close();
});

/** Every documented attribute is present, and each one set in both has the documented JSON type. */
function expectDocumentedShape(
  actual: Record<string, unknown>,
  documented: Record<string, unknown>,
) {
  expect(Object.keys(actual)).toEqual(expect.arrayContaining(Object.keys(documented)));
  for (const [key, value] of Object.entries(documented)) {
    if (value === null || actual[key] === null) continue;
    expect(Array.isArray(actual[key]) ? 'array' : typeof actual[key], key).toBe(
      Array.isArray(value) ? 'array' : typeof value,
    );
  }
}

describe('Better Stack stand-in against the API documentation', () => {
  it('answers monitors with every documented attribute and type', async () => {
    const created = await call('POST', '/api/v2/monitors', {
      url: 'https://uptime.betterstack.com',
      pronounceable_name: 'Uptime homepage',
      monitor_type: 'keyword',
      required_keyword: 'We call you',
      monitor_group_id: 12345,
      check_frequency: 30,
      request_timeout: 15,
      ssl_expiration: 7,
      domain_expiration: 14,
      maintenance_from: '01:02:00',
      maintenance_to: '03:04:00',
      confirmation_period: 120,
    });
    expect(created.status).toBe(201);
    const got = await call('GET', `/api/v2/monitors/${created.json.data.id}`);
    expect(got.json.data.type).toBe(docsMonitor.type);
    expectDocumentedShape(got.json.data.attributes, docsMonitor.attributes);
    expect(got.json.data.attributes.monitor_group_id).toBe('12345');
  });

  it('answers heartbeats with every documented attribute and type', async () => {
    const created = await call('POST', '/api/v2/heartbeats', {
      name: 'Testing heartbeat',
      period: 10800,
      grace: 300,
      team_wait: 180,
    });
    expect(created.status).toBe(201);
    expect(created.json.data.type).toBe(docsHeartbeat.type);
    expectDocumentedShape(created.json.data.attributes, docsHeartbeat.attributes);
  });

  it('paginates 50 per page by default, up to 250 with per_page, with absolute links', async () => {
    for (let i = 0; i < 120; i += 1) {
      await call('POST', '/api/v2/monitors', {
        url: `https://site-${i}.example`,
        pronounceable_name: `site ${i}`,
      });
    }
    const total = bs.store.monitors.size;
    const first = await call('GET', '/api/v2/monitors');
    expect(first.json.data).toHaveLength(50);
    expect(first.json.pagination.prev).toBeNull();
    expect(new URL(first.json.pagination.next).searchParams.get('page')).toBe('2');
    const last = await call(
      'GET',
      new URL(first.json.pagination.last).pathname + new URL(first.json.pagination.last).search,
    );
    expect(last.json.data).toHaveLength(total - 50 * (Math.ceil(total / 50) - 1));
    expect(last.json.pagination.next).toBeNull();
    expect((await call('GET', '/api/v2/monitors?per_page=1000')).json.data).toHaveLength(
      Math.min(total, 250),
    );
    const all = new Set<string>();
    let next: string | null = `${bs.url}/api/v2/monitors?per_page=20`;
    while (next) {
      const page = await call('GET', new URL(next).pathname + new URL(next).search);
      for (const m of page.json.data) all.add(m.id);
      next = page.json.pagination.next;
    }
    expect(all.size).toBe(total);
  });

  it('filters monitors by url and by pronounceable_name', async () => {
    const byUrl = await call(
      'GET',
      `/api/v2/monitors?url=${encodeURIComponent('https://site-7.example')}`,
    );
    expect(
      byUrl.json.data.map(
        (m: { attributes: { pronounceable_name: string } }) => m.attributes.pronounceable_name,
      ),
    ).toEqual(['site 7']);
    const byName = await call(
      'GET',
      `/api/v2/monitors?pronounceable_name=${encodeURIComponent('site 42')}`,
    );
    expect(byName.json.data.map((m: { attributes: { url: string } }) => m.attributes.url)).toEqual([
      'https://site-42.example',
    ]);
    expect((await call('GET', '/api/v2/monitors?pronounceable_name=nobody')).json.data).toEqual([]);
  });

  it('pauses with paused_at and the paused status, and resumes', async () => {
    const m = await call('POST', '/api/v2/monitors', {
      url: 'https://pause.example',
      paused: true,
    });
    expect(m.json.data.attributes).toMatchObject({
      status: 'paused',
      paused_at: expect.any(String),
    });
    expect(m.json.data.attributes).not.toHaveProperty('paused');
    const resumed = await call('PATCH', `/api/v2/monitors/${m.json.data.id}`, { paused: false });
    expect(resumed.json.data.attributes).toMatchObject({ status: 'pending', paused_at: null });
  });

  it('heartbeats pause and resume the way monitors do; a second pause keeps paused_at', async () => {
    const h = await call('POST', '/api/v2/heartbeats', { name: 'nightly', period: 86400 });
    const id = h.json.data.id as string;
    const paused = await call('PATCH', `/api/v2/heartbeats/${id}`, { paused: true });
    expect(paused.json.data.attributes).toMatchObject({
      status: 'paused',
      paused_at: expect.any(String),
    });
    const again = await call('PATCH', `/api/v2/heartbeats/${id}`, { paused: true });
    expect(again.json.data.attributes.paused_at).toBe(paused.json.data.attributes.paused_at);
    const resumed = await call('PATCH', `/api/v2/heartbeats/${id}`, { paused: false });
    expect(resumed.json.data.attributes).toMatchObject({ status: 'pending', paused_at: null });
  });

  it.each(['/api/v2/monitors', '/api/v2/heartbeats', '/api/v3/policies', '/api/v2/status-pages'])(
    '%s/{id}: read and deleted alike; an unknown id is a 404, a deleted one too',
    async (path) => {
      const bodies: Record<string, unknown> = {
        '/api/v2/monitors': { url: 'https://crud.example' },
        '/api/v2/heartbeats': { name: 'crud', period: 60 },
        '/api/v3/policies': { name: 'crud', steps: [] },
        '/api/v2/status-pages': {
          company_name: 'Crud',
          subdomain: `crud-${Date.now()}`,
          timezone: 'UTC',
        },
      };
      const created = await call('POST', path, bodies[path]);
      expect(created.status).toBe(201);
      const id = created.json.data.id as string;
      const read = await call('GET', `${path}/${id}`);
      expect(read.status).toBe(200);
      expect(read.json.data).toEqual(created.json.data);
      expect((await call('DELETE', `${path}/${id}`)).status).toBe(204);
      for (const method of ['GET', 'DELETE']) {
        const gone = await call(method, `${path}/${id}`);
        expect(gone.status).toBe(404);
        expect(gone.json).toEqual((await call('GET', `${path}/999999`)).json);
      }
    },
  );

  it('deleting a status page deletes its resources', async () => {
    const page = await call('POST', '/api/v2/status-pages', {
      company_name: 'Cascade',
      subdomain: `cascade-${Date.now()}`,
      timezone: 'UTC',
    });
    const pageId = page.json.data.id as string;
    const monitor = await call('POST', '/api/v2/monitors', { url: 'https://cascade.example' });
    const res = await call('POST', `/api/v2/status-pages/${pageId}/resources`, {
      resource_id: Number(monitor.json.data.id),
      resource_type: 'Monitor',
    });
    expect(res.status).toBe(201);
    expect((await call('DELETE', `/api/v2/status-pages/${pageId}`)).status).toBe(204);
    expect(bs.store.statusPageResources.has(res.json.data.id as string)).toBe(false);
  });

  it('checks request_timeout per monitor type: milliseconds for server and port monitors', async () => {
    const tcp = { url: 'db.example.test', monitor_type: 'tcp', port: '5432' };
    expect((await call('POST', '/api/v2/monitors', { ...tcp, request_timeout: 10 })).status).toBe(
      422,
    );
    expect((await call('POST', '/api/v2/monitors', { ...tcp, request_timeout: 3000 })).status).toBe(
      201,
    );
    expect(
      (await call('POST', '/api/v2/monitors', { url: 'https://x.example', request_timeout: 3000 }))
        .status,
    ).toBe(422);
    expect(
      (await call('POST', '/api/v2/monitors', { url: 'https://x.example', request_timeout: 45 }))
        .status,
    ).toBe(201);
    expect(
      (await call('POST', '/api/v2/monitors', { url: 'https://x.example', request_timeout: 7 }))
        .status,
    ).toBe(422);
    const ping = await call('POST', '/api/v2/monitors', {
      url: 'host.example',
      monitor_type: 'ping',
    });
    expect(ping.json.data.attributes.request_timeout).toBeGreaterThanOrEqual(500);
  });

  it('takes policy_id as an integer (a numeric string is coerced) and answers an integer', async () => {
    const policy = await call('POST', '/api/v3/policies', { name: 'p', steps: [] });
    const id = policy.json.data.id as string;
    const m = await call('POST', '/api/v2/monitors', { url: 'https://p.example', policy_id: id });
    expect(m.json.data.attributes.policy_id).toBe(Number(id));
    const bad = await call('POST', '/api/v2/monitors', {
      url: 'https://p.example',
      policy_id: 'abc',
    });
    expect(bad.status).toBe(422);
    expect(bad.json.errors.policy_id).toEqual(['must be an integer']);
  });

  it('answers the SLA with or without from/to, and the documented 400 for a bad range', async () => {
    const m = await call('POST', '/api/v2/monitors', { url: 'https://sla.example' });
    const whole = await call('GET', `/api/v2/monitors/${m.json.data.id}/sla`);
    expect(whole.status).toBe(200);
    expect(whole.json.data.attributes.availability).toBe(100);
    const bad = await call(
      'GET',
      `/api/v2/monitors/${m.json.data.id}/sla?from=2026-11-02&to=2026-11-01`,
    );
    expect(bad.status).toBe(400);
  });

  it('answers heartbeat availability as documented', async () => {
    const h = await call('POST', '/api/v2/heartbeats', { name: 'availability', period: 60 });
    const got = await call('GET', `/api/v2/heartbeats/${h.json.data.id}/availability`);
    expect(got.status).toBe(200);
    expect(got.json.data.type).toBe(docsHeartbeatAvailability.data.type);
    expect(Object.keys(got.json.data.attributes).sort()).toEqual(
      Object.keys(docsHeartbeatAvailability.data.attributes).sort(),
    );
    const bad = await call(
      'GET',
      `/api/v2/heartbeats/${h.json.data.id}/availability?from=2999-01-01`,
    );
    expect(bad).toEqual({ status: 400, json: { errors: docsBadRangeError } });
  });

  it('keeps status page subdomains unique', async () => {
    const page = {
      company_name: 'Vigie',
      company_url: 'https://vigie.example',
      subdomain: 'vigie-unique',
      timezone: 'Paris',
    };
    expect((await call('POST', '/api/v2/status-pages', page)).status).toBe(201);
    const again = await call('POST', '/api/v2/status-pages', page);
    expect(again.status).toBe(422);
    expect(again.json.errors.subdomain).toEqual(['has already been taken']);
  });

  it('lists incidents as documented: attributes, relationships, 10 a page (50 at most), filters', async () => {
    const monitor = await call('POST', '/api/v2/monitors', {
      url: 'https://incidents.example',
      pronounceable_name: 'Incident homepage',
      monitor_type: 'status',
    });
    const monitorId = monitor.json.data.id as string;
    const heartbeat = await call('POST', '/api/v2/heartbeats', {
      name: 'Incident job',
      period: 300,
      grace: 60,
    });
    const heartbeatId = heartbeat.json.data.id as string;
    const day = 86_400_000;
    const t0 = new Date('2026-11-20T08:00:00Z').getTime();
    await bs.store.open('monitor', monitorId, new Date(t0), 'Status 404');
    await bs.store.open('heartbeat', heartbeatId, new Date(t0 + day), 'missed');
    bs.store.addPastIncident(monitorId, new Date(t0 - 2 * day), new Date(t0 - 2 * day + 600_000));
    for (let i = 0; i < 12; i += 1) {
      bs.store.addPastIncident(
        heartbeatId,
        new Date(t0 - (3 + i) * day),
        new Date(t0 - (3 + i) * day + 60_000),
      );
    }

    const open = await call('GET', `/api/v3/incidents?resolved=false&monitor_id=${monitorId}`);
    expect(open.status).toBe(200);
    expect(open.json.data).toHaveLength(1);
    const incident = open.json.data[0];
    expect(incident.type).toBe(docsIncident.type);
    expectDocumentedShape(incident.attributes, docsIncident.attributes);
    expect(incident.attributes).toMatchObject({
      name: 'Incident homepage',
      cause: 'Status 404',
      status: 'Started',
      resolved_at: null,
      started_at: new Date(t0).toISOString(),
    });
    expect(incident.relationships).toEqual({
      monitor: { data: { id: monitorId, type: 'monitor' } },
    });

    const byHeartbeat = await call(
      'GET',
      `/api/v3/incidents?heartbeat_id=${heartbeatId}&resolved=false`,
    );
    expect(byHeartbeat.json.data.map((i: { relationships: unknown }) => i.relationships)).toEqual([
      { heartbeat: { data: { id: heartbeatId, type: 'heartbeat' } } },
    ]);

    // 15 incidents in all: 10 on the first page (newest first), 50 at most with per_page.
    const first = await call('GET', '/api/v3/incidents');
    expect(first.json.data).toHaveLength(10);
    const starts = first.json.data.map(
      (i: { attributes: { started_at: string } }) => i.attributes.started_at,
    );
    expect(starts).toEqual([...starts].sort().reverse());
    expect(first.json.pagination.next).not.toBeNull();
    const wide = await call('GET', '/api/v3/incidents?per_page=500');
    expect(wide.json.data.length).toBeGreaterThanOrEqual(15);
    expect(new URL(wide.json.pagination.first).searchParams.get('per_page')).toBe('50');

    const resolved = await call('GET', `/api/v3/incidents?resolved=true&monitor_id=${monitorId}`);
    expect(
      resolved.json.data.map((i: { attributes: { status: string } }) => i.attributes.status),
    ).toEqual(['Resolved']);
    const inRange = await call(
      'GET',
      `/api/v3/incidents?monitor_id=${monitorId}&from=2026-11-19&to=2026-11-20`,
    );
    expect(inRange.json.data).toHaveLength(1);
    expect((await call('GET', '/api/v3/incidents?resolved=maybe')).status).toBe(400);
    expect((await call('GET', '/api/v3/incidents?from=20-11-2026')).status).toBe(400);
  });
});
