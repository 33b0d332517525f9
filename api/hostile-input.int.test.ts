import { createHmac } from 'node:crypto';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../adapters/postgres/migrate.ts';
import { createPool, type Pool } from '../adapters/postgres/pool.ts';
import { parseConfig } from '../core/config.ts';
import { metricAlertBody } from '../sandbox/sentry/alert-webhooks.ts';
import { createTestDatabase, type TestDatabase } from '../testkit/pg.ts';
import { createApp } from './app.ts';
import { BETTERSTACK_HOOK_PATH } from './routes/betterstack-hook.ts';
import { SENTRY_HOOK_PATH } from './routes/sentry-hook.ts';

// Hostile input to the alert hooks, end to end through the app and the real outbox.
const BS_SECRET = 'bs-hook-0123456789abcdef0123';
const SENTRY_SECRET = 'sentry-client-secret-4f1c9e';
let db: TestDatabase;
let pool: Pool;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  app = createApp({
    config: parseConfig({
      VIGIE_STAGE: 'local',
      BETTERSTACK_WEBHOOK_SECRET: BS_SECRET,
      SENTRY_CLIENT_SECRET: SENTRY_SECRET,
    }),
    pool,
    // Unused by these routes; nothing listens there.
    redis: new Redis({ url: 'http://127.0.0.1:9', token: 'unused', retry: false }),
  });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

beforeEach(async () => {
  await pool.query('truncate alert_outbox restart identity cascade');
});

const outbox = async () =>
  (
    await pool.query<{ dedup_key: string; resolved: boolean }>(
      `select dedup_key, resolved_at is not null as resolved from alert_outbox order by id`,
    )
  ).rows;

describe('POST /hooks/sentry: the signature covers the bytes received', () => {
  const hmac = (bytes: Uint8Array | string) =>
    createHmac('sha256', SENTRY_SECRET).update(bytes).digest('hex');
  const post = (body: Uint8Array, signature: string) =>
    app.request(SENTRY_HOOK_PATH, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'sentry-hook-resource': 'metric_alert',
        'sentry-hook-signature': signature,
      },
      body: Buffer.from(body),
    });
  const metric = JSON.stringify(
    metricAlertBody({
      action: 'critical',
      events: 120,
      windowMinutes: 5,
      projectSlug: 'vigie',
      ruleName: 'Error spike \ufffd',
      threshold: 100,
    }),
  );

  it('refuses other bytes that decode to the same text (invalid UTF-8, a BOM): 401, nothing raised', async () => {
    const signed = new TextEncoder().encode(metric);
    const signature = hmac(signed);
    // U+FFFD is what any invalid byte decodes to; a leading BOM is dropped by a text read.
    const at = signed.indexOf(0xef);
    const invalid = Uint8Array.from([...signed.subarray(0, at), 0xff, ...signed.subarray(at + 3)]);
    const bom = Uint8Array.from([0xef, 0xbb, 0xbf, ...signed]);
    for (const forged of [invalid, bom]) {
      const r = await post(forged, signature);
      expect(r.status).toBe(401);
      expect(await r.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect(await outbox()).toEqual([]);
    expect((await post(signed, signature)).status).toBe(200);
  });

  it('a signed body that is not UTF-8 is a 400 saying so, never parsed', async () => {
    const body = Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]);
    const r = await post(body, hmac(body));
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/not valid UTF-8 JSON/),
    });
    expect(await outbox()).toEqual([]);
  });
});

describe('POST /hooks/betterstack/incidents/<token>: dates', () => {
  const incident = (id: string, attributes: { started_at: string; resolved_at?: string }) => ({
    data: {
      id,
      type: 'incident',
      attributes: { name: 'Vigie API', ...attributes },
      relationships: { monitor: { data: { id: '2041', type: 'monitor' } } },
    },
  });
  const post = (body: unknown) =>
    app.request(`${BETTERSTACK_HOOK_PATH}/${BS_SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('an incident dated in the future is a 400 naming the field: it would never page', async () => {
    // Before: raised with first_raised_at in 9999, so its first message was due in 9999 and
    // every later incident of the monitor joined that silent group.
    for (const attributes of [
      { started_at: '9999-12-31T23:59:59Z' },
      {
        started_at: new Date(Date.now() - 60_000).toISOString(),
        resolved_at: '9999-01-01T00:00:00Z',
      },
    ]) {
      const r = await post(incident('1', attributes));
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringMatching(/(started_at|resolved_at) is in the future/),
      });
    }
    expect(await outbox()).toEqual([]);
  });

  it('a replayed resolution of an earlier incident does not resolve the open one', async () => {
    const hour = 3_600_000;
    const earlier = {
      started_at: new Date(Date.now() - 3 * hour).toISOString(),
      resolved_at: new Date(Date.now() - 2 * hour).toISOString(),
    };
    expect((await post(incident('1', { started_at: earlier.started_at }))).status).toBe(200);
    expect((await post(incident('1', earlier))).status).toBe(200);
    const now = { started_at: new Date(Date.now() - 60_000).toISOString() };
    expect((await post(incident('2', now))).status).toBe(200);
    const replay = await post(incident('1', earlier));
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ resolved: false });
    expect(await outbox()).toEqual([
      { dedup_key: 'uptime-monitor-down/2041', resolved: true },
      { dedup_key: 'uptime-monitor-down/2041', resolved: false },
    ]);
  });
});
