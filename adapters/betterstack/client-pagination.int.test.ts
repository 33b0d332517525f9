import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestHttpServer } from '../../testkit/http-server.ts';
import { createBetterStackClient } from './client.ts';

/** A Better Stack whose `pagination.next` is whatever the test sets: itself, or not a URL. */
let server: TestHttpServer;
let base = '';
let next: (self: string) => string = (self) => self;
let requests = 0;

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    requests += 1;
    const monitor = { id: String(requests), attributes: { pronounceable_name: 'm', url: 'u' } };
    const incident = {
      id: String(requests),
      attributes: { started_at: '2026-11-26T09:00:00Z', resolved_at: null },
    };
    const item = req.url!.startsWith('/api/v3/incidents') ? incident : monitor;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: [item], pagination: { next: next(`${base}${req.url}`) } }));
  });
  base = server.url;
});
afterAll(async () => {
  await server.close();
});

/** Settles `read`, or says it was still paging after 50 requests instead of hanging the test. */
async function settle(read: () => Promise<unknown>): Promise<unknown> {
  requests = 0;
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise((resolve) => {
    timer = setInterval(() => {
      if (requests > 50) resolve(new Error('still paging after 50 requests'));
    }, 20);
  });
  try {
    return await Promise.race([read().catch((e: unknown) => e), stuck]);
  } finally {
    clearInterval(timer);
  }
}

describe('Better Stack paging that loops or points nowhere', () => {
  const client = () => createBetterStackClient({ baseUrl: base, token: 't', timeoutMs: 2_000 });

  it('fails listMonitors and listOpenIncidents as malformed when next points back at a page read', async () => {
    next = (self) => self;
    for (const read of [() => client().listMonitors(), () => client().listOpenIncidents()]) {
      expect(await settle(read)).toMatchObject({ name: 'ProviderReadError', reason: 'malformed' });
    }
  });

  it('fails as malformed, not a TypeError, when next is not a URL', async () => {
    next = () => 'not a url';
    for (const read of [() => client().listMonitors(), () => client().listOpenIncidents()]) {
      expect(await settle(read)).toMatchObject({ name: 'ProviderReadError', reason: 'malformed' });
    }
  });
});

describe('Better Stack SLA with numbers out of range', () => {
  it('answers malformed for NaN-like, negative or out-of-range figures instead of passing them on', async () => {
    const bodies = [
      { availability: 99.9, total_downtime: 'lots' },
      { availability: 99.9, total_downtime: -5 },
      { availability: 250 },
      { availability: -1 },
    ];
    let answer: unknown = {};
    const sla = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { id: '1', attributes: answer } }));
    });
    try {
      const c = createBetterStackClient({ baseUrl: sla.url, token: 't', timeoutMs: 2_000 });
      for (const body of bodies) {
        answer = body;
        const result = await c.monitorSla('1', '2026-11-20', '2026-11-26').catch((e: unknown) => e);
        expect(result, JSON.stringify(body)).toMatchObject({ reason: 'malformed' });
      }
      // Numbers as strings are still numbers.
      answer = { availability: 99.5, total_downtime: '864', number_of_incidents: 1 };
      expect(await c.monitorSla('1', '2026-11-20', '2026-11-26')).toMatchObject({
        availability: 99.5,
        total_downtime: 864,
        number_of_incidents: 1,
        longest_incident: 0,
      });
    } finally {
      await sla.close();
    }
  });
});
