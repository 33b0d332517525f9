import { Redis } from '@upstash/redis';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../adapters/postgres/pool.ts';
import { parseConfig } from '../core/config.ts';
import { type OtlpStandIn, startOtlpStandIn } from '../sandbox/otlp/server.ts';
import { type SentryStandIn, startSentryStandIn } from '../sandbox/sentry/server.ts';
import { type Telemetry, initTelemetry } from '../telemetry/init.ts';
import { type TestDatabase, createTestDatabase } from '../testkit/pg.ts';
import { createApp } from './app.ts';

let db: TestDatabase;
let pool: Pool;
let sentry: SentryStandIn;
let otlp: OtlpStandIn;
let telemetry: Telemetry;
let app: Hono;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  [sentry, otlp] = await Promise.all([startSentryStandIn(), startOtlpStandIn()]);
  telemetry = initTelemetry({
    serviceName: 'vigie-api-test',
    sentryDsn: sentry.dsn,
    otlpEndpoint: otlp.url,
    environment: 'test',
  });
  const config = parseConfig({ VIGIE_STAGE: 'local', SENTRY_DSN: sentry.dsn });
  // The health route needs an Upstash client; no Upstash is needed for these assertions, so it
  // points at a closed loopback port with retries off (Redis then reads "down", quickly).
  const redis = new Redis({ url: 'http://127.0.0.1:9', token: 'unused', retry: false });
  app = createApp({ config, pool, redis, telemetry });
  // A route that fails the way real code does: an unexpected error whose message leaks PII.
  app.get('/test/prospects/:id', (c) => c.json({ ok: true }));
  app.get('/test/boom/:id', (c) => {
    throw new Error(
      `lookup failed for jane.doe@example.com (+33 6 12 34 56 78), id ${c.req.param('id')}`,
    );
  });
});

afterAll(async () => {
  await telemetry?.shutdown();
  await Promise.all([sentry?.close(), otlp?.close(), pool?.end()]);
  await db?.drop();
});

describe('HTTP app telemetry', () => {
  it('exports a SERVER span per request with route, status and the echoed request id', async () => {
    const res = await app.request('/healthz', { headers: { 'x-request-id': 'req-health-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-health-1');
    await telemetry.flush();
    const span = await otlp.waitForSpan((s) => s.attributes['vigie.request_id'] === 'req-health-1');
    expect(span.name).toBe('GET /healthz');
    expect(span.kind).toBe(2); // SPAN_KIND_SERVER
    expect(span.attributes['http.route']).toBe('/healthz');
    expect(span.attributes['http.response.status_code']).toBe(200);
    expect(span.status.code).not.toBe(2);
    expect(span.resource['service.name']).toBe('vigie-api-test');
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('continues an inbound W3C traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await app.request('/healthz', {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'req-tp1' },
    });
    expect(res.status).toBe(200);
    await telemetry.flush();
    const span = await otlp.waitForSpan((s) => s.attributes['vigie.request_id'] === 'req-tp1');
    expect(span.traceId).toBe(traceId);
    expect(span.parentSpanId).toBe('00f067aa0ba902b7');
  });

  it('reports a failing request to Sentry with the same trace id as its span, scrubbed', async () => {
    const res = await app.request('/test/boom/42', { headers: { 'x-request-id': 'req-boom-1' } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ code: 'INTERNAL', requestId: 'req-boom-1' });
    await telemetry.flush();

    const span = await otlp.waitForSpan((s) => s.attributes['vigie.request_id'] === 'req-boom-1');
    expect(span.name).toBe('GET /test/boom/:id');
    expect(span.status.code).toBe(2); // STATUS_CODE_ERROR
    expect(span.attributes['http.response.status_code']).toBe(500);
    const exception = span.events.find((e) => e.name === 'exception');
    expect(exception?.attributes['exception.message']).toContain('[email]');

    const event = await sentry.waitFor(
      (e) => e.payload.tags?.['vigie.request_id'] === 'req-boom-1',
    );
    expect(event.payload.contexts?.trace?.trace_id).toBe(span.traceId);
    expect(event.payload.tags?.['http.route']).toBe('/test/boom/:id');
    const text = JSON.stringify(event.payload);
    expect(text).not.toContain('jane.doe@example.com');
    expect(text).not.toContain('12 34 56 78');
    expect(event.payload.exception?.values?.[0]?.value).toContain('[email]');
    expect(JSON.stringify(span)).not.toContain('jane.doe@example.com');
  });

  it('does not report 4xx answers to Sentry', async () => {
    const before = sentry.events().length;
    const res = await app.request('/no/such/route', { headers: { 'x-request-id': 'req-404' } });
    expect(res.status).toBe(404);
    await telemetry.flush();
    const span = await otlp.waitForSpan((s) => s.attributes['vigie.request_id'] === 'req-404');
    expect(span.attributes['http.response.status_code']).toBe(404);
    expect(span.attributes['http.route']).toBeUndefined();
    expect(sentry.events().length).toBe(before);
  });

  it('keeps the route template on the span and never the raw path (phone, LinkedIn slug)', async () => {
    const paths = {
      'req-path-1': '/test/prospects/%2B33%206%2012%2034%2056%2078',
      'req-path-2': '/test/prospects/https%3A%2F%2Fwww.linkedin.com%2Fin%2Fjane-doe-1234',
      'req-path-3': `/no/such/${'jane-doe-'.repeat(1_500)}`,
    };
    for (const [requestId, path] of Object.entries(paths)) {
      await app.request(path, { headers: { 'x-request-id': requestId } });
    }
    await telemetry.flush();
    for (const requestId of Object.keys(paths)) {
      const span = await otlp.waitForSpan((s) => s.attributes['vigie.request_id'] === requestId);
      expect(span.attributes['url.path']).toBeUndefined();
      const text = JSON.stringify(span);
      for (const leak of ['+33', '%2B33', '12 34', '%2012', 'jane', 'linkedin'])
        expect(text).not.toContain(leak);
    }
    const matched = await otlp.waitForSpan(
      (s) => s.attributes['vigie.request_id'] === 'req-path-1',
    );
    expect(matched.attributes['http.route']).toBe('/test/prospects/:id');
    expect(matched.name).toBe('GET /test/prospects/:id');
  });

  it('exports the request duration histogram over OTLP', async () => {
    await telemetry.flush();
    const isHealth = (p: { name: string; attributes: Record<string, unknown> }): boolean =>
      p.name === 'http.server.request.duration' && p.attributes['http.route'] === '/healthz';
    await otlp.waitForMetric(isHealth);
    // Cumulative temporality: the latest export counts both /healthz requests above.
    const latest = otlp.metrics().filter(isHealth).at(-1);
    expect(latest?.kind).toBe('histogram');
    expect(latest?.value).toBe(2);
    // The semantic conventions' recommended boundaries (seconds), not the SDK's default ones
    // (0, 5, 10 … 10000, made for milliseconds, which put every request in one bucket).
    expect(latest?.bounds).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
    ]);
    // …and stored with them: a `le="0.075"` bucket exists only among the recommended ones.
    expect(otlp.exposition()).toMatch(
      /^http_server_request_duration_seconds_bucket\{[^}]*http_route="\/healthz"[^}]*le="0\.075"\} \d+$/m,
    );
  });

  it('names its process in the resource: one service.instance.id, on spans and metrics alike', async () => {
    await app.request('/healthz', { headers: { 'x-request-id': 'req-instance-1' } });
    await telemetry.flush();
    const span = await otlp.waitForSpan(
      (s) => s.attributes['vigie.request_id'] === 'req-instance-1',
    );
    const instance = span.resource['service.instance.id'];
    expect(instance).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const point = otlp.metrics().find((p) => p.name === 'http.server.request.duration');
    expect(point?.resource['service.instance.id']).toBe(instance);
    // Stored as the `instance` label of every series, so concurrent Lambdas never share one.
    expect(otlp.exposition()).toMatch(
      new RegExp(
        `^http_server_request_duration_seconds_count\\{.*instance="${String(instance)}".*\\} \\d+$`,
        'm',
      ),
    );
  });
});
