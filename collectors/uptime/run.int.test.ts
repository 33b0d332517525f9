import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { raise } from '../../adapters/alerts/outbox.ts';
import { createBetterStackClient } from '../../adapters/betterstack/client.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { httpMonitors } from '../../core/catalog/monitors.ts';
import {
  type BetterStackStandIn,
  startBetterStackStandIn,
} from '../../sandbox/betterstack/stand-in.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { run } from './run.ts';

// Real Postgres (the alert outbox), the Better Stack stand-in through the real client. The
// stand-in's clock is fixed, so availability is exact.
const NOW = new Date('2026-11-30T10:00:00Z');
const HOUR = 3_600_000;

let db: TestDatabase;
let pool: pg.Pool;
let bs: BetterStackStandIn;
/** Catalog monitor id → Better Stack id. */
const ids: Record<string, string> = {};

const client = () => createBetterStackClient({ baseUrl: bs.url, token: 'uptime-token' });
const outbox = async () =>
  (await pool.query<{ dedup_key: string }>('select dedup_key from alert_outbox order by id')).rows;
const points = (
  summary: Awaited<ReturnType<typeof run>>,
  name: string,
): Record<string, string | number>[] =>
  summary.metrics
    .filter((m) => m.name === name)
    .map((m) => ({ value: m.value, ...m.labels }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  bs = await startBetterStackStandIn({ token: 'uptime-token', now: () => NOW });
  for (const def of httpMonitors) {
    ids[def.id] = await client().createMonitor(def, `https://vigie.example${def.path}`);
  }
});

afterAll(async () => {
  await bs?.close();
  await pool?.end();
  await db?.drop();
});

beforeEach(async () => {
  await pool.query('truncate alert_outbox restart identity cascade');
  bs.faults.mode = 'none';
});

describe('uptime collector against the Better Stack stand-in', () => {
  it('reports each monitor by its catalog id, its 7-day availability and the open incidents', async () => {
    const api = bs.store.monitors.get(ids['app-readyz']!)!;
    const front = bs.store.monitors.get(ids.frontend!)!;
    const n8n = bs.store.monitors.get(ids['n8n-webhook-host']!)!;
    api.status = 'up';
    front.status = 'down';
    n8n.status = 'paused';
    // Six hours down three days ago (resolved), and the frontend down since an hour ago.
    bs.store.addPastIncident(
      ids['app-readyz']!,
      new Date(NOW.getTime() - 72 * HOUR),
      new Date(NOW.getTime() - 66 * HOUR),
    );
    await bs.store.open('monitor', ids.frontend!, new Date(NOW.getTime() - HOUR), 'Status 503');
    // A collector's heartbeat missed its period: an open heartbeat incident.
    const heartbeat = await client().createHeartbeat({
      id: 'heartbeat-test',
      name: 'Collector test',
      collector: 'test',
      periodSeconds: 300,
      graceSeconds: 60,
    });
    await bs.store.open('heartbeat', heartbeat.id, new Date(NOW.getTime() - 10 * 60_000), 'missed');

    const summary = await run({ db: pool, raise, betterstack: client() }, NOW);
    expect(summary.status).toBe('ok');
    expect(points(summary, 'vigie_uptime_monitor_status')).toEqual(
      [
        { value: 1, monitor_id: ids['app-readyz'], monitor: 'app-readyz' },
        { value: 0, monitor_id: ids.frontend, monitor: 'frontend' },
        { value: -1, monitor_id: ids['n8n-webhook-host'], monitor: 'n8n-webhook-host' },
      ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    const week = 7 * 24 * HOUR;
    const availability = Object.fromEntries(
      points(summary, 'vigie_uptime_availability').map((p) => [p.monitor, p.value]),
    );
    // The SLA covers 2026-11-24 … 2026-11-30 (whole UTC days): 6 h down, and 1 h so far today.
    expect(availability['app-readyz']).toBeCloseTo(1 - (6 * HOUR) / week, 5);
    expect(availability.frontend).toBeCloseTo(1 - HOUR / week, 5);
    expect(availability['n8n-webhook-host']).toBe(1);
    expect(points(summary, 'vigie_uptime_availability').every((p) => p.window === '7d')).toBe(true);
    expect(points(summary, 'vigie_uptime_open_incidents')).toEqual([
      { value: 1, resource: 'heartbeat' },
      { value: 1, resource: 'monitor' },
    ]);
    expect(await outbox()).toEqual([]);
  });

  it('counts open incidents over every page (50 a page) and never a resolved one', async () => {
    const before = (await run({ db: pool, raise, betterstack: client() }, NOW)).openIncidents!;
    for (let i = 0; i < 55; i += 1) {
      const h = await client().createHeartbeat({
        id: `heartbeat-page-${i}`,
        name: `Collector page ${i}`,
        collector: `page-${i}`,
        periodSeconds: 300,
        graceSeconds: 60,
      });
      await bs.store.open('heartbeat', h.id, new Date(NOW.getTime() - i * 60_000), 'missed');
      if (i % 11 === 0) await bs.store.resolve(h.id, NOW);
    }
    bs.requests.length = 0;
    const summary = await run({ db: pool, raise, betterstack: client() }, NOW);
    expect(summary.openIncidents).toEqual({ ...before, heartbeat: before.heartbeat + 50 });
    expect(bs.requests.filter((r) => r.startsWith('GET /api/v3/incidents'))).toHaveLength(2);
  });

  it('a Better Stack outage is degraded: collector-degraded, and no figure at all', async () => {
    bs.faults.mode = 'server-error';
    const summary = await run({ db: pool, raise, betterstack: client() }, NOW);
    expect(summary.status).toBe('degraded');
    expect(summary.metrics).toEqual([]);
    expect(summary.openIncidents).toBeNull();
    expect(summary.unread.map((u) => u.source)).toEqual([
      'betterstack.monitors',
      'betterstack.incidents',
    ]);
    expect((await outbox()).map((r) => r.dedup_key)).toEqual([
      'collector-degraded/uptime:betterstack.monitors',
      'collector-degraded/uptime:betterstack.incidents',
    ]);
  });

  it('a malformed incident list is unread, not zero incidents', async () => {
    bs.faults.mode = 'malformed';
    const summary = await run({ db: pool, raise, betterstack: client() }, NOW);
    expect(summary.metrics.filter((m) => m.name === 'vigie_uptime_open_incidents')).toEqual([]);
    expect(summary.unread.map((u) => u.reason)).toContain('malformed');
  });
});
