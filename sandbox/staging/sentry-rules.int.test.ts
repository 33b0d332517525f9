import { Hono } from 'hono';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { onError, requestIdMiddleware } from '../../api/errors.ts';
import { SENTRY_HOOK_PATH, sentryHookRoutes } from '../../api/routes/sentry-hook.ts';
import { parseConfig } from '../../core/config.ts';
import { initTelemetry, type Telemetry } from '../../telemetry/init.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { listen } from '../http-faults.ts';
import { type SentryStandIn, startSentryStandIn } from '../sentry/server.ts';
import { MAX_DELIVERY_ATTEMPTS, createSentryRuleEvaluator, groupingKey } from './sentry-rules.ts';

// The stand-in's rules against the app's real route over HTTP and the real outbox: errors
// sent with @sentry/node, grouped into issues by the stand-in, each new issue's webhook
// signed with the integration's client secret as Sentry signs it.
const SECRET = 'sentry-client-secret-stand-in-test';
let db: TestDatabase;
let pool: pg.Pool;
let server: Awaited<ReturnType<typeof listen>>;
let sentry: SentryStandIn;
let telemetry: Telemetry;
let clock = new Date('2026-11-30T10:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  const app = new Hono();
  app.use('*', requestIdMiddleware());
  app.onError(onError);
  app.route(
    '/',
    sentryHookRoutes({
      config: parseConfig({ VIGIE_STAGE: 'staging', SENTRY_CLIENT_SECRET: SECRET }),
      pool,
    }),
  );
  server = await listen(app, 0);
  sentry = await startSentryStandIn({ now: () => clock });
  telemetry = initTelemetry({
    serviceName: 'sentry-rules-test',
    sentryDsn: sentry.dsn,
    environment: 'test',
  });
});

afterAll(async () => {
  await telemetry?.shutdown();
  await Promise.all([sentry?.close(), server?.close()]);
  await pool?.end();
  await db?.drop();
});

beforeEach(async () => {
  await pool.query('truncate alert_outbox restart identity cascade');
  sentry.reset();
});

const integration = (clientSecret = SECRET) => ({
  webhookUrl: `${server.url}${SENTRY_HOOK_PATH}`,
  clientSecret,
});

const outbox = async () =>
  (
    await pool.query<{ alert_id: string; labels: unknown; occurrences: number; resolved: boolean }>(
      `select alert_id, labels, occurrences, resolved_at is not null as resolved
         from alert_outbox order by id`,
    )
  ).rows;

function failLookup(id: string): never {
  throw new Error(`prospect lookup failed for ${id}`);
}
function failParse(n: number): never {
  throw new TypeError(`unexpected token at ${n} in the enrichment answer`);
}

// Each capture's message differs: the SDK's Dedupe integration drops an event identical to the
// one before it; the stand-in still groups them into one issue (same type and frames).
async function capture(fn: (n: number) => never, times: number) {
  for (let i = 0; i < times; i += 1) {
    try {
      fn(i);
    } catch (error) {
      telemetry.captureException(error);
    }
  }
  expect(await telemetry.flush(5_000)).toBe(true);
}

describe('the Sentry stand-in alert rules → POST /hooks/sentry', () => {
  it('pages each new issue once: the same error twice is one issue, one event_alert', async () => {
    const rules = createSentryRuleEvaluator(sentry, integration());
    await capture((n) => failLookup(`p-${n}`), 2);
    await capture(failParse, 1);
    expect(sentry.events()).toHaveLength(3);
    await rules.advanceTo(clock);
    // A later evaluation with nothing new sends nothing more.
    clock = new Date(clock.getTime() + 60_000);
    await capture(() => failLookup('p-9'), 1);
    await rules.advanceTo(clock);

    expect(rules.deliveries()).toEqual([
      { resource: 'event_alert', action: 'triggered', subject: '1001', status: 200, attempts: 1 },
      { resource: 'event_alert', action: 'triggered', subject: '1002', status: 200, attempts: 1 },
    ]);
    expect(await outbox()).toEqual([
      {
        alert_id: 'sentry-new-issue',
        labels: { issueId: '1001', projectId: sentry.projectId },
        occurrences: 1,
        resolved: false,
      },
      {
        alert_id: 'sentry-new-issue',
        labels: { issueId: '1002', projectId: sentry.projectId },
        occurrences: 1,
        resolved: false,
      },
    ]);
  });

  it('a webhook signed with another secret is refused (401) and nothing reaches the outbox', async () => {
    const rules = createSentryRuleEvaluator(sentry, integration('not-the-client-secret'));
    await capture(failParse, 1);
    for (let i = 0; i < MAX_DELIVERY_ATTEMPTS; i += 1) await rules.advanceTo(clock);
    expect(rules.deliveries()).toEqual([
      {
        resource: 'event_alert',
        action: 'triggered',
        subject: '1001',
        status: 401,
        attempts: MAX_DELIVERY_ATTEMPTS,
      },
    ]);
    expect(await outbox()).toEqual([]);
  });

  it('the metric rule sends critical above its threshold and resolved below', async () => {
    const rules = createSentryRuleEvaluator(sentry, integration(), {
      rule: { timeWindowMinutes: 10, alertThreshold: 5, resolveThreshold: 2 },
    });
    await capture(failParse, 6);
    clock = new Date(clock.getTime() + 60_000);
    await rules.advanceTo(clock);
    expect(await outbox()).toContainEqual({
      alert_id: 'sentry-error-spike',
      labels: { events: 6, windowMinutes: 10, projectId: 'vigie' },
      occurrences: 1,
      resolved: false,
    });
    // Still above: no second notification.
    clock = new Date(clock.getTime() + 60_000);
    await rules.advanceTo(clock);
    // The window moves past the burst.
    clock = new Date(clock.getTime() + 11 * 60_000);
    await rules.advanceTo(clock);
    expect(rules.deliveries().map((d) => `${d.resource}:${d.action}:${d.status}`)).toEqual([
      'event_alert:triggered:200',
      'metric_alert:critical:200',
      'metric_alert:resolved:200',
    ]);
    const spike = (await outbox()).filter((r) => r.alert_id === 'sentry-error-spike');
    expect(spike).toMatchObject([{ occurrences: 1, resolved: true }]);
  });
});

describe('groupingKey', () => {
  it('uses the fingerprint, else the exception and its in-app frames, else the message', () => {
    const frames = [
      { module: 'node:internal', function: 'run', in_app: false },
      { module: 'api/app', function: 'handle', in_app: true },
    ];
    const ex = (value: string) => ({
      payload: { exception: { values: [{ type: 'Error', value, stacktrace: { frames } }] } },
    });
    expect(groupingKey(ex('a'))).toBe(groupingKey(ex('b')));
    expect(groupingKey(ex('a'))).toBe('exception:Error:api/app.handle');
    expect(groupingKey({ payload: { fingerprint: ['x', 'y'] } })).toBe('fingerprint:x|y');
    expect(groupingKey({ payload: { exception: { values: [{ type: 'E', value: 'v' }] } } })).toBe(
      'exception:E:v',
    );
    expect(groupingKey({ payload: { message: 'hello' } })).toBe('message:hello');
    expect(groupingKey({ payload: {} })).toBe('unlabeled');
  });
});
