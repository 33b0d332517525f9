import { Redis } from '@upstash/redis';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool, type Pool } from '../../adapters/postgres/pool.ts';
import { parseConfig } from '../../core/config.ts';
import { type OtlpStandIn, startOtlpStandIn } from '../../sandbox/otlp/server.ts';
import { type SentryStandIn, startSentryStandIn } from '../../sandbox/sentry/server.ts';
import { type Telemetry, initTelemetry } from '../../telemetry/init.ts';
import { type TestDatabase, createTestDatabase } from '../../testkit/pg.ts';
import { createApp } from '../app.ts';

const SECRET = 'n8n-hook-secret-for-tests-0123456789';
let db: TestDatabase;
let pool: Pool;
let sentry: SentryStandIn;
let otlp: OtlpStandIn;
let telemetry: Telemetry;
let app: Hono;
let unconfigured: Hono;

/** n8n's Error Trigger output, as an error workflow's HTTP Request node forwards it. */
function errorTriggerPayload(overrides: Record<string, unknown> = {}) {
  return {
    execution: {
      id: '231',
      url: 'http://127.0.0.1:5678/workflow/wfEnrich01/executions/231',
      retryOf: '34',
      error: {
        message:
          'Claude refused: prospect jane.doe@example.com, profile https://linkedin.com/in/jane-doe',
        stack: 'NodeOperationError: Claude refused: jane.doe@example.com\n    at Enrich.execute',
      },
      lastNodeExecuted: 'Enrich with Claude',
      mode: 'trigger',
    },
    workflow: { id: 'wfEnrich01', name: 'Enrich prospects' },
    ...overrides,
  };
}

function post(
  target: Hono,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(
    target.request('/hooks/n8n/error', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  [sentry, otlp] = await Promise.all([startSentryStandIn(), startOtlpStandIn()]);
  telemetry = initTelemetry({
    serviceName: 'vigie-n8n-hook-test',
    sentryDsn: sentry.dsn,
    otlpEndpoint: otlp.url,
    environment: 'test',
  });
  // Unused by this route; an Upstash client is part of AppDeps (closed port, retries off).
  const redis = new Redis({ url: 'http://127.0.0.1:9', token: 'unused', retry: false });
  app = createApp({
    config: parseConfig({ VIGIE_STAGE: 'local', N8N_HOOK_SECRET: SECRET }),
    pool,
    redis,
    telemetry,
  });
  unconfigured = createApp({
    config: parseConfig({ VIGIE_STAGE: 'local' }),
    pool,
    redis,
    telemetry,
  });
});

afterAll(async () => {
  await telemetry?.shutdown();
  await Promise.all([sentry?.close(), otlp?.close(), pool?.end()]);
  await db?.drop();
});

describe('POST /hooks/n8n/error', () => {
  it('refuses a missing or wrong secret with 401 and reports nothing', async () => {
    const missing = await post(app, errorTriggerPayload());
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const wrong = await post(app, errorTriggerPayload(), { 'x-vigie-hook-secret': `${SECRET}x` });
    expect(wrong.status).toBe(401);
    await telemetry.flush();
    expect(sentry.events()).toHaveLength(0);
  });

  it('answers 503 naming the setting when no secret is configured', async () => {
    const res = await post(unconfigured, errorTriggerPayload(), { 'x-vigie-hook-secret': SECRET });
    expect(res.status).toBe(503);
    expect((await res.json()).message).toContain('N8N_HOOK_SECRET');
    // A server-side misconfiguration is a 5xx, so it reaches Sentry for the operator.
    await telemetry.flush();
    const event = await sentry.waitFor(
      (e) => e.payload.tags?.['http.route'] === '/hooks/n8n/error',
    );
    expect(event.payload.exception?.values?.[0]?.type).toBe('VigieError');
  });

  it('refuses a malformed payload with 400 naming the fields', async () => {
    await telemetry.flush();
    const before = sentry.events().length;
    const res = await post(
      app,
      { execution: { id: '1', error: {} }, workflow: { name: 'x' } },
      { 'x-vigie-hook-secret': SECRET },
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; message: string };
    expect(body.code).toBe('BAD_REQUEST');
    expect(body.message).toContain('execution.error.message');
    expect(body.message).toContain('execution.mode');
    expect(body.message).toContain('workflow.id');
    const notJson = await post(app, '{not json', { 'x-vigie-hook-secret': SECRET });
    expect(notJson.status).toBe(400);
    await telemetry.flush();
    expect(sentry.events()).toHaveLength(before);
  });

  it('keeps names and URLs out of the fingerprint, tags and message (issue #8)', async () => {
    const payload = errorTriggerPayload({
      workflow: { id: 'wfNames03', name: 'Outreach for Jean Dupont' },
    });
    payload.execution.lastNodeExecuted = 'Scrape https://www.linkedin.com/in/jean-dupont-42';
    payload.execution.error.message = 'Jean Dupont has no email';
    const res = await post(app, payload, { 'x-vigie-hook-secret': SECRET });
    expect(res.status).toBe(202);
    const { eventId } = (await res.json()) as { eventId: string };
    await telemetry.flush();
    const event = await sentry.waitFor((e) => e.payload.event_id === eventId);
    expect(event.payload.fingerprint).toEqual([
      'n8n-workflow-error',
      'wfNames03',
      'Scrape [linkedin-url]',
    ]);
    expect(event.payload.tags).toMatchObject({
      'n8n.workflow_name': 'Outreach for [redacted] [redacted]',
      'n8n.last_node': 'Scrape [linkedin-url]',
    });
    const text = JSON.stringify(event);
    for (const leak of ['Jean', 'Dupont', 'jean-dupont', 'linkedin.com']) {
      expect(text).not.toContain(leak);
    }
  });

  it('reports a scrubbed Sentry event tagged with workflow and execution ids, and counts it', async () => {
    const res = await post(app, errorTriggerPayload(), { 'x-vigie-hook-secret': SECRET });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: boolean; eventId: string };
    expect(body.accepted).toBe(true);
    expect(body.eventId).toMatch(/^[0-9a-f]{32}$/);
    await telemetry.flush();

    const event = await sentry.waitFor((e) => e.payload.event_id === body.eventId);
    expect(event.payload.tags).toMatchObject({
      'n8n.workflow_id': 'wfEnrich01',
      'n8n.workflow_name': 'Enrich prospects',
      'n8n.execution_id': '231',
      'n8n.execution_mode': 'trigger',
    });
    expect(event.payload.level).toBe('error');
    // "Claude" is also a first name: an allow-list cannot tell, so it goes.
    expect(String(event.payload.message)).toContain(
      'n8n workflow wfEnrich01 failed: [redacted] refused: prospect [email]',
    );
    const text = JSON.stringify(event.payload);
    expect(text).not.toContain('jane.doe@example.com');
    expect(text).not.toContain('linkedin.com/in');
    expect(text).toContain('[email]');

    const point = await otlp.waitForMetric(
      (p) =>
        p.name === 'vigie.n8n.workflow_errors' && p.attributes['n8n.workflow_id'] === 'wfEnrich01',
    );
    expect(point.kind).toBe('sum');
    expect(point.value).toBe(1);

    // The alert router records it (info: recorded, not sent), labelled with ids only.
    const { rows } = await pool.query<{ labels: unknown; severity: string; state: string }>(
      `select labels, severity, state from alert_outbox where alert_id = 'n8n-error-hook-received'
        and dedup_key = 'n8n-error-hook-received/wfEnrich01'`,
    );
    expect(rows).toEqual([
      {
        labels: { workflowId: 'wfEnrich01', executionId: '231' },
        severity: 'info',
        state: expect.any(String),
      },
    ]);
  });

  it('labels its counter with ids and a known execution mode only, never free text', async () => {
    // The mode is a free string in the payload; a forged or future one may carry a name.
    const res = await post(
      app,
      errorTriggerPayload({
        execution: { ...errorTriggerPayload().execution, mode: 'manual by Jean Dupont' },
        workflow: { id: 'Amelie-Okafor', name: 'Enrich prospects' },
      }),
      { 'x-vigie-hook-secret': SECRET },
    );
    expect(res.status).toBe(202);
    await telemetry.flush();
    const metrics = JSON.stringify(otlp.metrics());
    for (const leak of ['Jean', 'Dupont', 'Amelie', 'Okafor']) expect(metrics).not.toContain(leak);
    const point = await otlp.waitForMetric(
      (p) =>
        p.name === 'vigie.n8n.workflow_errors' && p.attributes['n8n.execution_mode'] === 'other',
    );
    expect(point.attributes['n8n.workflow_id']).toBe('[Filtered]');
  });

  it('raises nothing and reports nothing for a refused request', async () => {
    await post(app, errorTriggerPayload({ workflow: { id: 'wfRefused9', name: 'x' } }), {
      'x-vigie-hook-secret': 'wrong',
    });
    const { rows } = await pool.query(
      `select 1 from alert_outbox where dedup_key = 'n8n-error-hook-received/wfRefused9'`,
    );
    expect(rows).toEqual([]);
  });

  it('accepts the trigger-node shape (no execution) that n8n sends when the trigger failed', async () => {
    const res = await post(
      app,
      {
        trigger: { error: { message: 'Webhook auth failed' }, mode: 'trigger' },
        workflow: { id: 'wfScrape02', name: 'Scrape LinkedIn' },
      },
      { 'x-vigie-hook-secret': SECRET },
    );
    expect(res.status).toBe(202);
    const { eventId } = (await res.json()) as { eventId: string };
    await telemetry.flush();
    const event = await sentry.waitFor((e) => e.payload.event_id === eventId);
    expect(event.payload.tags).toMatchObject({
      'n8n.workflow_id': 'wfScrape02',
      'n8n.execution_id': 'none',
    });
  });
});
