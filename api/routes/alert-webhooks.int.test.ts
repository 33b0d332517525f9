import { Hono } from 'hono';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { parseConfig } from '../../core/config.ts';
import {
  type BetterStackStandIn,
  startBetterStackStandIn,
} from '../../sandbox/betterstack/stand-in.ts';
import { listen } from '../../sandbox/http-faults.ts';
import {
  eventAlertBody,
  metricAlertBody,
  type SentryIntegration,
  sendAlertWebhook,
} from '../../sandbox/sentry/alert-webhooks.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { onError, requestIdMiddleware } from '../errors.ts';
import { BETTERSTACK_HOOK_PATH, betterStackHookRoutes } from './betterstack-hook.ts';
import { SENTRY_HOOK_PATH, sentryHookRoutes } from './sentry-hook.ts';

// The hooks served over real HTTP, the real outbox in Postgres. Better Stack's side is its
// stand-in: an outgoing webhook created through its API, incidents opened in its store, the
// incident resource POSTed by the stand-in. Sentry's side is its internal integration as a
// sender (sandbox/sentry/alert-webhooks.ts): documented bodies, signed with the client secret.
const BS_SECRET = 'bs-hook-0123456789abcdef0123';
const SENTRY_SECRET = 'sentry-client-secret-4f1c9e';
let db: TestDatabase;
let pool: pg.Pool;
let bs: BetterStackStandIn;
let server: Awaited<ReturnType<typeof listen>>;
let unconfigured: Awaited<ReturnType<typeof listen>>;
let sentry: SentryIntegration;

function serve(config: ReturnType<typeof parseConfig>) {
  const app = new Hono();
  app.use('*', requestIdMiddleware());
  app.onError(onError);
  app.route('/', betterStackHookRoutes({ config, pool }));
  app.route('/', sentryHookRoutes({ config, pool }));
  return listen(app, 0);
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  server = await serve(
    parseConfig({
      VIGIE_STAGE: 'staging',
      BETTERSTACK_WEBHOOK_SECRET: BS_SECRET,
      SENTRY_CLIENT_SECRET: SENTRY_SECRET,
    }),
  );
  unconfigured = await serve(parseConfig({ VIGIE_STAGE: 'staging' }));
  bs = await startBetterStackStandIn({ token: 'bs-token' });
  sentry = { webhookUrl: `${server.url}${SENTRY_HOOK_PATH}`, clientSecret: SENTRY_SECRET };
});

afterAll(async () => {
  await Promise.all([bs?.close(), server?.close(), unconfigured?.close()]);
  await pool?.end();
  await db?.drop();
});

beforeEach(async () => {
  await pool.query('truncate alert_outbox restart identity cascade');
  bs.store.outgoingWebhooks.clear();
  bs.deliveries.length = 0;
});

const outbox = async () =>
  (
    await pool.query<{ dedup_key: string; labels: unknown; resolved: boolean }>(
      `select dedup_key, labels, resolved_at is not null as resolved from alert_outbox order by id`,
    )
  ).rows;

async function bsApi(method: string, path: string, body?: unknown) {
  const r = await fetch(`${bs.url}${path}`, {
    method,
    headers: { authorization: 'Bearer bs-token', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: (await r.json()) as { data: { id: string } } };
}

async function incidentWebhook(url: string) {
  const created = await bsApi('POST', '/api/v2/outgoing-webhooks', {
    name: 'Vigie staging incidents',
    url,
    trigger_type: 'incident_change',
    on_incident_started: true,
    on_incident_resolved: true,
    on_incident_reopened: true,
  });
  expect(created.status).toBe(201);
}

describe('POST /hooks/betterstack/incidents/<token>', () => {
  it("raises uptime-monitor-down from the stand-in's incident webhook and resolves it, ids only", async () => {
    await incidentWebhook(`${server.url}${BETTERSTACK_HOOK_PATH}/${BS_SECRET}`);
    await bs.store.open('monitor', '2041', new Date(), 'Status 503');
    expect(await outbox()).toEqual([
      {
        dedup_key: 'uptime-monitor-down/2041',
        labels: { monitorId: '2041', incidentId: expect.stringMatching(/^\d+$/) },
        resolved: false,
      },
    ]);
    await bs.store.resolve('2041', new Date());
    expect((await outbox()).map((r) => r.resolved)).toEqual([true]);
    expect(bs.deliveries.map((d) => [d.event, d.status])).toEqual([
      ['started', 200],
      ['resolved', 200],
    ]);
  });

  it('raises heartbeat-missed for a heartbeat incident', async () => {
    await incidentWebhook(`${server.url}${BETTERSTACK_HOOK_PATH}/${BS_SECRET}`);
    const beat = await bsApi('POST', '/api/v2/heartbeats', {
      name: 'Vigie staging Collector cost',
      period: 86_400,
      grace: 17_280,
    });
    await bs.store.open('heartbeat', beat.json.data.id, new Date(), 'missed');
    expect(await outbox()).toEqual([
      {
        dedup_key: `heartbeat-missed/${beat.json.data.id}`,
        labels: { heartbeatId: beat.json.data.id, minutesLate: 288 },
        resolved: false,
      },
    ]);
  });

  it('refuses a wrong token (401) and an unconfigured server (503), writing nothing', async () => {
    await incidentWebhook(`${server.url}${BETTERSTACK_HOOK_PATH}/not-the-secret-0123456789ab`);
    await incidentWebhook(`${unconfigured.url}${BETTERSTACK_HOOK_PATH}/${BS_SECRET}`);
    await bs.store.open('monitor', '2042', new Date(), 'Timeout');
    expect(bs.deliveries.map((d) => d.status).sort()).toEqual([401, 503]);
    expect(await outbox()).toEqual([]);
  });

  it('refuses a body that is not an incident with 400 naming the fields', async () => {
    const r = await fetch(`${server.url}${BETTERSTACK_HOOK_PATH}/${BS_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: { id: '1', type: 'monitor', attributes: {} } }),
    });
    expect(r.status).toBe(400);
    const body = (await r.json()) as { message: string };
    expect(body.message).toContain('data.type');
    expect(body.message).toContain('data.attributes.started_at');
    expect(await outbox()).toEqual([]);
  });
});

describe('POST /hooks/sentry', () => {
  it('raises sentry-new-issue from a signed issue alert, keeping ids only', async () => {
    const r = await sendAlertWebhook(
      sentry,
      'event_alert',
      eventAlertBody({
        issueId: '1117540176',
        projectId: 4509,
        ruleName: '[vigie:sentry-new-issue] vigie-staging-api',
      }),
    );
    expect(r.status).toBe(200);
    const rows = await outbox();
    expect(rows).toEqual([
      {
        dedup_key: 'sentry-new-issue/1117540176',
        labels: { issueId: '1117540176', projectId: '4509' },
        resolved: false,
      },
    ]);
    expect(JSON.stringify(rows)).not.toContain('jane.doe');
  });

  /** The API project's error-spike rule, as Sentry delivers it for one incident. */
  const spike = (action: 'critical' | 'resolved', startedAt?: Date) =>
    metricAlertBody({
      action,
      events: 1000,
      windowMinutes: 10,
      projectSlug: 'vigie-staging-api',
      ruleName: '[vigie:sentry-error-spike] vigie-staging-api',
      threshold: 50,
      ...(startedAt ? { startedAt } : {}),
    });

  it('raises sentry-error-spike on critical and resolves it on resolved', async () => {
    expect((await sendAlertWebhook(sentry, 'metric_alert', spike('critical'))).status).toBe(200);
    expect(await outbox()).toEqual([
      {
        dedup_key: 'sentry-error-spike/vigie-staging-api',
        labels: { events: 1000, windowMinutes: 10, projectId: 'vigie-staging-api' },
        resolved: false,
      },
    ]);
    expect((await sendAlertWebhook(sentry, 'metric_alert', spike('resolved'))).status).toBe(200);
    expect((await outbox()).map((r) => r.resolved)).toEqual([true]);
  });

  it('a replayed resolution of an earlier incident leaves the current spike open', async () => {
    const earlier = new Date(Date.now() - 3 * 3_600_000);
    const current = new Date(Date.now() - 60_000);
    const send = async (body: unknown) =>
      (await sendAlertWebhook(sentry, 'metric_alert', body)).json();
    await send(spike('critical', earlier));
    const endOfEarlier = spike('resolved', earlier);
    expect(await send(endOfEarlier)).toMatchObject({ resolved: true });
    await send(spike('critical', current));
    // The earlier incident's resolution again, validly signed: Sentry signs the body, and the
    // body dates the incident it ends.
    expect(await send(endOfEarlier)).toMatchObject({ resolved: false });
    expect((await outbox()).map((r) => r.resolved)).toEqual([true, false]);
    // The current incident's own resolution closes it.
    expect(await send(spike('resolved', current))).toMatchObject({ resolved: true });
    expect((await outbox()).map((r) => r.resolved)).toEqual([true, true]);
  });

  it('refuses a wrong signature (401) and an unconfigured server (503), writing nothing', async () => {
    const body = eventAlertBody({ issueId: '77', projectId: 1, ruleName: 'r' });
    const forged = await sendAlertWebhook(sentry, 'event_alert', body, { secret: 'guessed' });
    expect(forged.status).toBe(401);
    const elsewhere = await sendAlertWebhook(
      { ...sentry, webhookUrl: `${unconfigured.url}${SENTRY_HOOK_PATH}` },
      'event_alert',
      body,
    );
    expect(elsewhere.status).toBe(503);
    expect(await outbox()).toEqual([]);
  });

  it('acknowledges other resources without raising, and refuses a signed body of the wrong shape', async () => {
    const installed = await sendAlertWebhook(sentry, 'installation', {
      action: 'created',
      data: { installation: { uuid: 'x' } },
    });
    expect(installed.status).toBe(200);
    const bad = await sendAlertWebhook(sentry, 'metric_alert', { action: 'exploded', data: {} });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('action');
    expect(await outbox()).toEqual([]);
  });
});
