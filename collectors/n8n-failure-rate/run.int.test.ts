import { Hono } from 'hono';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSince, raise } from '../../adapters/alerts/outbox.ts';
import { createN8nClient } from '../../adapters/n8n/client.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import {
  defaultFaults,
  faultMiddleware,
  type FaultMode,
  listen,
} from '../../sandbox/http-faults.ts';
import { type N8nStandIn, startN8nStandIn } from '../../sandbox/n8n/stand-in.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { run } from './run.ts';

// Real Postgres with the real alert router (`raise` into alert_outbox), real HTTP to the n8n
// stand-in through the n8n client. Time is a parameter: executions carry explicit startedAt.
const NOW = new Date('2026-11-26T10:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

let db: TestDatabase;
let pool: pg.Pool;
let n8n: N8nStandIn;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  n8n = await startN8nStandIn({ apiKey: 'n8n-test-key', now: () => NOW });
});

afterAll(async () => {
  await n8n?.close();
  await pool?.end();
  await db?.drop();
});

beforeEach(async () => {
  await pool.query('truncate alert_outbox restart identity cascade');
  n8n.faults.outage = false;
  n8n.faults.rateLimitedRequests = 0;
});

const client = () =>
  createN8nClient({ baseUrl: n8n.url, apiKey: 'n8n-test-key', timeoutMs: 2_000 });
const outbox = async () =>
  (
    await pool.query<{ alert_id: string; dedup_key: string; occurrences: number }>(
      'select alert_id, dedup_key, occurrences from alert_outbox order by id',
    )
  ).rows;

function add(
  workflowId: string,
  status: 'success' | 'error' | 'crashed' | 'waiting',
  count: number,
  ago: number,
) {
  for (let i = 0; i < count; i += 1)
    n8n.addExecution({ workflowId, status, startedAt: minutesAgo(ago) });
}

describe('n8n-failure-rate collector against the n8n stand-in', () => {
  it('pages by cursor over the last hour, then a failure burst crossing 10% raises exactly one alert', async () => {
    add('wf-scrape', 'success', 40, 150); // outside the window: must not count
    add('wf-scrape', 'success', 200, 50);
    add('wf-enrich', 'success', 120, 40);
    add('wf-enrich', 'waiting', 5, 30);

    const calm = await run({ db: pool, raise, openSince, n8n: client() }, NOW);
    expect(calm.status).toBe('ok');
    expect(calm.pagesRead).toBeGreaterThanOrEqual(2);
    expect(calm.overall).toMatchObject({ finished: 320, failures: 0 });
    expect(await outbox()).toEqual([]);

    add('wf-enrich', 'error', 15, 5);
    add('wf-enrich', 'crashed', 5, 4);
    const burst = await run({ db: pool, raise, openSince, n8n: client() }, NOW);
    expect(burst.status).toBe('alerting');
    expect(burst.alertsRaised).toEqual([
      {
        alertId: 'n8n-failure-rate-high',
        labels: { workflowId: 'wf-enrich', failed: 20, finished: 140, ratePercent: 14.3 },
      },
    ]);
    expect(burst.metrics).toContainEqual({
      name: 'vigie_n8n_failure_rate',
      value: 20 / 340,
      labels: { workflow_id: 'all' },
    });
    expect(await outbox()).toEqual([
      {
        alert_id: 'n8n-failure-rate-high',
        dedup_key: 'n8n-failure-rate-high/wf-enrich',
        occurrences: 1,
      },
    ]);

    // The next tick sees the same burst: still one alert group, one more occurrence.
    await run({ db: pool, raise, openSince, n8n: client() }, NOW);
    expect((await outbox()).map((r) => r.occurrences)).toEqual([2]);
  });

  it('times each finished execution once: the run whose 15-minute period it stopped in', async () => {
    const at = (m: number) => minutesAgo(m);
    // Stopped in 09:45–10:00 (this run's period), one before it (the previous run's), one
    // still running; a waiting one has no run time yet.
    n8n.addExecution({
      workflowId: 'wf-timed',
      status: 'success',
      startedAt: at(12),
      stoppedAt: at(9.5),
    });
    n8n.addExecution({
      workflowId: 'wf-timed',
      status: 'error',
      startedAt: at(3),
      stoppedAt: at(2.99),
    });
    n8n.addExecution({
      workflowId: 'wf-timed',
      status: 'success',
      startedAt: at(40),
      stoppedAt: at(20),
    });
    n8n.addExecution({ workflowId: 'wf-timed', status: 'running', startedAt: at(5) });
    n8n.addExecution({
      workflowId: 'wf-timed',
      status: 'waiting',
      startedAt: at(6),
      stoppedAt: at(5),
    });
    const durations = (summary: Awaited<ReturnType<typeof run>>) =>
      summary.metrics
        .filter(
          (m) => m.name === 'vigie.n8n.execution.duration' && m.labels.workflow_id === 'wf-timed',
        )
        .map((m) => [m.labels.status, Math.round(m.value * 1000) / 1000])
        .sort();

    const now = await run({ db: pool, raise, openSince, n8n: client() }, NOW);
    expect(durations(now)).toEqual([
      ['error', 0.6],
      ['success', 150],
    ]);
    // The previous run (09:45) timed the one that stopped at 09:40, and only it.
    const before = await run(
      { db: pool, raise, openSince, n8n: client() },
      new Date(NOW.getTime() - 15 * 60_000),
    );
    expect(durations(before)).toEqual([['success', 1200]]);
  });

  it('an n8n outage (503) gives a degraded summary and collector-degraded, never a 0% rate', async () => {
    n8n.faults.outage = true;
    const summary = await run({ db: pool, raise, openSince, n8n: client() }, NOW);
    expect(summary.status).toBe('degraded');
    expect(summary.overall).toBeNull();
    expect(summary.unread).toMatchObject([{ source: 'n8n.executions', reason: 'server' }]);
    expect((await outbox()).map((r) => r.dedup_key).sort()).toEqual([
      'collector-degraded/n8n-failure-rate:n8n.executions',
      'n8n-unreachable/n8n',
    ]);
    expect(summary.alertsRaised).toContainEqual({
      alertId: 'n8n-unreachable',
      labels: { errorCode: 'server_503', minutes: 0 },
    });
  });

  it("n8n-unreachable counts the minutes since the outage's first failing run, in one group", async () => {
    n8n.faults.outage = true;
    await run({ db: pool, raise, openSince, n8n: client() }, NOW);
    const later = new Date(NOW.getTime() + 30 * 60_000);
    const summary = await run({ db: pool, raise, openSince, n8n: client() }, later);
    expect(summary.alertsRaised).toContainEqual({
      alertId: 'n8n-unreachable',
      labels: { errorCode: 'server_503', minutes: 30 },
    });
    const { rows } = await pool.query<{ occurrences: number; labels: unknown }>(
      `select occurrences, labels from alert_outbox where alert_id = 'n8n-unreachable'`,
    );
    expect(rows).toEqual([{ occurrences: 2, labels: { errorCode: 'server_503', minutes: 30 } }]);
  });

  it('waits out a short 429 Retry-After and reads the same rate as without it', async () => {
    const plain = await run({ db: pool, raise, openSince, n8n: client() }, NOW);
    n8n.faults.rateLimitedRequests = 2;
    n8n.faults.retryAfterSeconds = 3;
    const slept: number[] = [];
    const limited = await run(
      { db: pool, raise, openSince, n8n: client(), sleep: async (ms) => void slept.push(ms) },
      NOW,
    );
    expect(slept).toEqual([3_000, 3_000]);
    expect(limited.rateLimitedWaitSeconds).toBe(6);
    expect(limited.unread).toEqual([]);
    expect(limited.overall).toEqual(plain.overall);
    expect(limited.pagesRead).toBe(plain.pagesRead);
    expect(n8n.faults.rateLimitedRequests).toBe(0);
  });

  it('gives up after 3 waits: degraded as rate_limited, never a rate', async () => {
    n8n.faults.rateLimitedRequests = 10;
    n8n.faults.retryAfterSeconds = 2;
    const slept: number[] = [];
    const summary = await run(
      { db: pool, raise, openSince, n8n: client(), sleep: async (ms) => void slept.push(ms) },
      NOW,
    );
    expect(slept).toEqual([2_000, 2_000, 2_000]);
    expect(summary).toMatchObject({
      status: 'degraded',
      overall: null,
      unread: [{ source: 'n8n.executions', reason: 'rate_limited' }],
    });
    expect(summary.unread[0]?.message).toContain('retry after 2 s');
    expect(summary.alertsRaised.map((a) => a.alertId)).toEqual(['collector-degraded']);
  });

  it('n8n not listening is degraded too', async () => {
    const dead = createN8nClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', timeoutMs: 1_000 });
    const summary = await run({ db: pool, raise, openSince, n8n: dead }, NOW);
    expect(summary).toMatchObject({ status: 'degraded', unread: [{ reason: 'network' }] });
    expect(summary.alertsRaised.map((a) => a.alertId).sort()).toEqual([
      'collector-degraded',
      'n8n-unreachable',
    ]);
  });

  it.each<[FaultMode, string, string[]]>([
    // An answer, even a bad one, is not n8n being unreachable.
    ['malformed', 'invalid_response', ['collector-degraded']],
    // Retry-After 30 s is past what a tick waits out (15 s): unread at once, no rate.
    ['rate-limited', 'rate_limited', ['collector-degraded']],
    ['no-answer', 'timeout', ['collector-degraded', 'n8n-unreachable']],
  ])('a %s answer is reported as unread (%s)', async (mode, reason, raised) => {
    const faults = { ...defaultFaults(), mode };
    const closing = new AbortController();
    const app = new Hono();
    app.use('*', faultMiddleware(faults, closing.signal));
    const server = await listen(app, 0, () => closing.abort());
    try {
      const summary = await run(
        {
          db: pool,
          raise,
          openSince,
          n8n: createN8nClient({ baseUrl: server.url, apiKey: 'k', timeoutMs: 500 }),
        },
        NOW,
      );
      expect(summary.status).toBe('degraded');
      expect(summary.unread[0]?.reason).toBe(reason);
      expect(summary.alertsRaised.map((a) => a.alertId).sort()).toEqual(raised);
    } finally {
      await server.close();
    }
  });
  it.each([
    ['truncated JSON on the cursor page', '{"data": [ {"truncated'],
    ['JSON of the wrong shape on the cursor page', '{"data": "not a list", "nextCursor": 7}'],
  ])(
    'malformed JSON from n8n (%s): degraded, no rate from the pages read before it',
    async (_case, body) => {
      // In front of the real n8n stand-in: the first page is n8n's own, the next one is broken.
      add('wf-scrape', 'success', 150, 20);
      add('wf-scrape', 'error', 60, 10);
      const app = new Hono();
      app.get('*', async (c) => {
        const url = new URL(c.req.url);
        if (url.searchParams.has('cursor'))
          return c.body(body, 200, { 'content-type': 'application/json' });
        const upstream = await fetch(`${n8n.url}${url.pathname}${url.search}`, {
          headers: { 'X-N8N-API-KEY': c.req.header('X-N8N-API-KEY') ?? '' },
        });
        return c.body(await upstream.text(), 200, { 'content-type': 'application/json' });
      });
      const proxy = await listen(app, 0);
      try {
        const summary = await run(
          {
            db: pool,
            raise,
            openSince,
            n8n: createN8nClient({ baseUrl: proxy.url, apiKey: 'n8n-test-key', timeoutMs: 2_000 }),
          },
          NOW,
        );
        expect(summary.status).toBe('degraded');
        expect(summary.unread).toMatchObject([{ reason: 'invalid_response' }]);
        expect(summary.overall).toBeNull();
        expect(summary.metrics.filter((m) => m.name === 'vigie_n8n_failure_rate')).toEqual([]);
        expect(summary.alertsRaised.map((a) => a.alertId)).toEqual(['collector-degraded']);
      } finally {
        await proxy.close();
      }
    },
  );
});
