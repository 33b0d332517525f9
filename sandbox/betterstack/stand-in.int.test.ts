import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raise } from '../../adapters/alerts/outbox.ts';
import { createBetterStackClient } from '../../adapters/betterstack/client.ts';
import { ProviderReadError } from '../../adapters/http/read-json.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { heartbeats, httpMonitors } from '../../core/catalog/monitors.ts';
import { worstCaseSecondsToAlert, UPTIME_ALERT_TARGET_SECONDS } from '../../core/uptime.ts';
import { pingHeartbeat } from '../../telemetry/heartbeat.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { createPinger, incidentAlert } from './pinger.ts';
import { type BetterStackStandIn, startBetterStackStandIn } from './stand-in.ts';
import type { IncidentEvent } from './store.ts';

// The stand-in over real HTTP, the pinger on a virtual clock against a real local target, and
// incidents routed into the real alert router (Postgres outbox).
const T0 = Date.parse('2026-11-26T09:00:00Z');
const clock = { t: T0 };

let db: TestDatabase;
let pool: pg.Pool;
let bs: BetterStackStandIn;
let target: Server;
let targetUrl = '';
let targetMode: 'up' | 'hang' | 'error' = 'up';
let targetHits = 0;
const events: IncidentEvent[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  bs = await startBetterStackStandIn({ token: 'bs-token', now: () => new Date(clock.t) });
  bs.store.onIncident(async (event) => {
    events.push(event);
    const alert = incidentAlert(event);
    if (alert) await raise(pool, alert);
  });
  target = createServer((_req, res) => {
    targetHits += 1;
    if (targetMode === 'hang') return; // never answers: the check times out
    res.statusCode = targetMode === 'up' ? 200 : 503;
    res.end('{}');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
});

afterAll(async () => {
  target?.closeAllConnections();
  await new Promise<void>((r) => (target ? target.close(() => r()) : r()));
  await bs?.close();
  await pool?.end();
  await db?.drop();
});

const client = () =>
  createBetterStackClient({ baseUrl: bs.url, token: 'bs-token', timeoutMs: 1_000 });

describe('Better Stack stand-in API', () => {
  it('needs the Bearer token and validates monitor fields', async () => {
    const anonymous = await fetch(`${bs.url}/api/v2/monitors`);
    expect(anonymous.status).toBe(401);
    const bad = await fetch(`${bs.url}/api/v2/monitors`, {
      method: 'POST',
      headers: { authorization: 'Bearer bs-token', 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'not a url', check_frequency: 10, request_timeout: 90 }),
    });
    expect(bad.status).toBe(422);
    expect(Object.keys(((await bad.json()) as { errors: object }).errors).sort()).toEqual([
      'check_frequency',
      'request_timeout',
      'url',
    ]);
  });

  it('creates, patches, lists and deletes monitors, heartbeats and policies', async () => {
    const id = await client().createMonitor(httpMonitors[2], `${targetUrl}/`);
    const auth = { authorization: 'Bearer bs-token', 'content-type': 'application/json' };
    const patched = await fetch(`${bs.url}/api/v2/monitors/${id}`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ check_frequency: 60 }),
    });
    expect(
      (
        (await patched.json()) as {
          data: { attributes: { check_frequency: number; request_timeout: number } };
        }
      ).data.attributes,
    ).toMatchObject({
      check_frequency: 60,
      request_timeout: 10,
    });
    expect((await client().listMonitors()).map((m) => m.id)).toContain(id);
    const policy = await fetch(`${bs.url}/api/v3/policies`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'vigie', steps: [] }),
    });
    expect(policy.status).toBe(201);
    const hb = await client().createHeartbeat(heartbeats[0]!);
    expect(hb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/heartbeat\/\w+$/);
    expect(
      (await fetch(`${bs.url}/api/v2/monitors/${id}`, { method: 'DELETE', headers: auth })).status,
    ).toBe(204);
    expect((await fetch(`${bs.url}/api/v2/monitors/${id}`, { headers: auth })).status).toBe(404);
  });

  it('answers SLA for whole days and refuses a bad range', async () => {
    const id = await client().createMonitor(httpMonitors[1], `${targetUrl}/healthz`);
    bs.store.addPastIncident(
      id,
      new Date('2026-11-20T00:00:00Z'),
      new Date('2026-11-20T00:14:24Z'),
    );
    expect(await client().monitorSla(id, '2026-11-20', '2026-11-20')).toEqual({
      availability: 99,
      total_downtime: 864,
      number_of_incidents: 1,
      longest_incident: 864,
      average_incident: 864,
    });
    await expect(client().monitorSla(id, '2026-11-21', '2026-11-20')).rejects.toMatchObject({
      reason: 'refused',
      status: 400,
    });
  });

  it.each([
    ['server-error', 'server-error'],
    ['rate-limited', 'rate-limited'],
    ['malformed', 'malformed'],
  ] as const)('fault %s surfaces as %s', async (mode, reason) => {
    bs.faults.mode = mode;
    try {
      const error = await client()
        .listMonitors()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderReadError);
      expect(error).toMatchObject({
        reason,
        ...(mode === 'rate-limited' ? { retryAfterSeconds: 30 } : {}),
      });
    } finally {
      bs.faults.mode = 'none';
    }
  });
});

describe('pinger: the 2-minute promise, simulated', () => {
  it('a hung endpoint opens an incident exactly at the computed worst case, routed to the alert router', async () => {
    for (const m of await client().listMonitors()) bs.store.monitors.delete(m.id);
    const def = httpMonitors[0];
    const id = await client().createMonitor(def, `${targetUrl}/readyz`);
    const pinger = createPinger(bs.store, { realTimeoutMs: 100 });
    clock.t = T0;
    targetMode = 'up';
    pinger.start(new Date(T0));
    await pinger.advanceTo(new Date(T0));
    expect(bs.store.monitors.get(id)?.status).toBe('up');

    // Worst case: the outage starts right after a successful check and the server hangs.
    const outageStart = T0 + 1;
    targetMode = 'hang';
    let opened: IncidentEvent | undefined;
    for (clock.t = T0; clock.t <= T0 + 300_000 && !opened; clock.t += 5_000) {
      await pinger.advanceTo(new Date(clock.t));
      opened = events.find((e) => e.type === 'opened' && e.resourceId === id);
    }
    expect(opened).toBeDefined();
    const secondsToAlert = (opened!.at.getTime() - outageStart) / 1000;
    expect(secondsToAlert).toBeLessThanOrEqual(worstCaseSecondsToAlert(def));
    expect(secondsToAlert).toBeGreaterThan(worstCaseSecondsToAlert(def) - 1);
    expect(worstCaseSecondsToAlert(def)).toBeLessThanOrEqual(UPTIME_ALERT_TARGET_SECONDS);
    const rows = await pool.query<{ alert_id: string; labels: { monitorId: string } }>(
      `select alert_id, labels from alert_outbox where alert_id = 'uptime-monitor-down'`,
    );
    expect(rows.rows.map((r) => r.labels.monitorId)).toEqual([id]);

    // Back up: validating, then resolved once up for the recovery period.
    targetMode = 'up';
    const upAt = clock.t;
    for (; clock.t <= upAt + 400_000; clock.t += 10_000) await pinger.advanceTo(new Date(clock.t));
    const resolved = events.find((e) => e.type === 'resolved' && e.resourceId === id);
    expect(resolved).toBeDefined();
    expect((resolved!.at.getTime() - upAt) / 1000).toBeGreaterThanOrEqual(
      def.recoveryPeriodSeconds,
    );
    expect(bs.store.monitors.get(id)?.status).toBe('up');
  });

  it('on a sped-up clock, checks once per advance at the latest slot, and still opens the incident', async () => {
    for (const m of await client().listMonitors()) bs.store.monitors.delete(m.id);
    const def = httpMonitors[0];
    const id = await client().createMonitor(def, `${targetUrl}/readyz`);
    const pinger = createPinger(bs.store, { realTimeoutMs: 100, skipMissedChecks: true });
    clock.t = T0;
    targetMode = 'up';
    pinger.start(new Date(T0));
    targetHits = 0;
    // Ten minutes in one advance: 20 check slots, one request made now.
    await pinger.advanceTo(new Date(T0 + 600_000));
    expect(targetHits).toBe(1);
    targetMode = 'error';
    for (let i = 1; i <= 3; i += 1) await pinger.advanceTo(new Date(T0 + 600_000 + i * 600_000));
    expect(events.find((e) => e.type === 'opened' && e.resourceId === id)).toBeDefined();
    expect(targetHits).toBeLessThanOrEqual(5);
    targetMode = 'up';
  });

  it("leaves a heartbeat alone while its job is running, then judges it once the job's ping is due", async () => {
    for (const m of await client().listMonitors()) bs.store.monitors.delete(m.id);
    const def = heartbeats.find((h) => h.collector === 'db-health')!;
    const hb = await client().createHeartbeat(def);
    const running = new Set([hb.id]);
    const pinger = createPinger(bs.store, { running: () => running });
    clock.t = T0;
    expect(await pingHeartbeat(hb.url, 'success')).toBe('sent');
    const late = new Date(T0 + (def.periodSeconds + def.graceSeconds + 60) * 1000);
    await pinger.advanceTo(late);
    expect(events.filter((e) => e.resourceId === hb.id)).toEqual([]);
    running.clear();
    await pinger.advanceTo(late);
    expect(events.find((e) => e.resourceId === hb.id && e.type === 'opened')).toBeDefined();
    // Leave no heartbeat or alert behind for the tests that count them.
    bs.store.heartbeats.delete(hb.id);
    await pool.query(`delete from alert_outbox where alert_id = 'heartbeat-missed'`);
  });

  it('a single failed check inside the confirmation period opens nothing', async () => {
    for (const m of await client().listMonitors()) bs.store.monitors.delete(m.id);
    const id = await client().createMonitor(httpMonitors[2], `${targetUrl}/`);
    const pinger = createPinger(bs.store, { realTimeoutMs: 100 });
    clock.t = T0;
    targetMode = 'up';
    pinger.start(new Date(T0));
    await pinger.advanceTo(new Date(T0 + 20_000));
    targetMode = 'error';
    await pinger.advanceTo(new Date(T0 + 40_000)); // one failed check at T0+30 s
    targetMode = 'up';
    await pinger.advanceTo(new Date(T0 + 300_000));
    expect(events.filter((e) => e.resourceId === id)).toEqual([]);
  });

  it('heartbeats: a missed ping and a /fail ping each raise heartbeat-missed', async () => {
    for (const m of await client().listMonitors()) bs.store.monitors.delete(m.id);
    const def = heartbeats.find((h) => h.collector === 'n8n-failure-rate')!;
    const hb = await client().createHeartbeat(def);
    const pinger = createPinger(bs.store);
    clock.t = T0;
    expect(await pingHeartbeat(hb.url, 'success')).toBe('sent');
    await pinger.advanceTo(new Date(T0 + def.periodSeconds * 1000));
    expect(events.filter((e) => e.resourceId === hb.id)).toEqual([]);
    await pinger.advanceTo(new Date(T0 + (def.periodSeconds + def.graceSeconds) * 1000));
    const missed = events.find((e) => e.resourceId === hb.id && e.type === 'opened');
    expect(missed).toMatchObject({
      cause: 'missed',
      at: new Date(T0 + (def.periodSeconds + def.graceSeconds) * 1000),
    });
    const rows = await pool.query<{ labels: object }>(
      `select labels from alert_outbox where alert_id = 'heartbeat-missed'`,
    );
    expect(rows.rows.map((r) => r.labels)).toEqual([{ heartbeatId: hb.id, minutesLate: 3 }]);

    clock.t += 60_000;
    expect(await pingHeartbeat(hb.url, 'success')).toBe('sent'); // resolves
    expect(await pingHeartbeat(hb.url, 'failure')).toBe('sent'); // opens at once
    expect(events.filter((e) => e.resourceId === hb.id).map((e) => `${e.type}:${e.cause}`)).toEqual(
      ['opened:missed', 'resolved:missed', 'opened:failure reported'],
    );
  });
});
