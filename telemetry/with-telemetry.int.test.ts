import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VigieError } from '../core/errors.ts';
import { type OtlpStandIn, startOtlpStandIn } from '../sandbox/otlp/server.ts';
import { type SentryStandIn, startSentryStandIn } from '../sandbox/sentry/server.ts';
import { type Telemetry, initTelemetry } from './init.ts';
import { withTelemetry } from './with-telemetry.ts';

let sentry: SentryStandIn;
let otlp: OtlpStandIn;
let telemetry: Telemetry;
// A heartbeat receiver recording the paths pinged (Better Stack: GET <url>, GET <url>/fail).
const pings: string[] = [];
const heartbeat = createServer((req: IncomingMessage, res) => {
  pings.push(req.url ?? '');
  res.end('OK');
});
let heartbeatUrl: string;

beforeAll(async () => {
  [sentry, otlp] = await Promise.all([startSentryStandIn(), startOtlpStandIn()]);
  await new Promise<void>((resolve) => heartbeat.listen(0, '127.0.0.1', resolve));
  heartbeatUrl = `http://127.0.0.1:${(heartbeat.address() as AddressInfo).port}/api/v1/heartbeat/hb_test`;
  telemetry = initTelemetry({
    serviceName: 'vigie-collector-test',
    sentryDsn: sentry.dsn,
    otlpEndpoint: otlp.url,
    environment: 'test',
  });
});

afterAll(async () => {
  await telemetry?.shutdown();
  heartbeat.closeAllConnections();
  await new Promise<void>((resolve) => heartbeat.close(() => resolve()));
  await Promise.all([sentry?.close(), otlp?.close()]);
});

describe('withTelemetry', () => {
  it('is idempotent: a second initTelemetry returns the same setup', () => {
    expect(initTelemetry({ serviceName: 'other', environment: 'test' })).toBe(telemetry);
  });

  it('sets up Sentry with the crash handlers and without the integrations that carry personal data', () => {
    const names = (Sentry.getClient()?.getOptions().integrations ?? []).map((i) => i.name);
    for (const wanted of ['OnUncaughtException', 'OnUnhandledRejection', 'Http', 'LinkedErrors']) {
      expect(names).toContain(wanted);
    }
    expect(names).not.toContain('Console');
    expect(names).not.toContain('LocalVariables');
    expect(new Set(names).size).toBe(names.length);
  });

  it('on success: returns the result, exports the span (flushed in finally) and pings the heartbeat', async () => {
    const handler = withTelemetry('collector-ok', async (event: { n: number }) => event.n * 2, {
      heartbeatUrl,
    });
    await expect(handler({ n: 21 }, { awsRequestId: 'inv1-ok' })).resolves.toBe(42);
    // No explicit flush here: the wrapper flushed before returning.
    const span = otlp.spans().find((s) => s.attributes['faas.invocation.id'] === 'inv1-ok');
    expect(span?.name).toBe('collector-ok');
    expect(span?.status.code).not.toBe(2);
    expect(span?.attributes['vigie.heartbeat.outcome']).toBe('sent');
    expect(pings).toContain('/api/v1/heartbeat/hb_test');
  });

  it('on failure: rethrows, marks the span ERROR, captures with the same trace id, pings /fail', async () => {
    const handler = withTelemetry(
      'collector-fail',
      async () => {
        throw new VigieError('UNAVAILABLE', 'n8n answered 503 for owner jane.doe@example.com');
      },
      { heartbeatUrl },
    );
    await expect(handler({}, { awsRequestId: 'inv2-fail' })).rejects.toThrow(VigieError);

    const span = otlp.spans().find((s) => s.attributes['faas.invocation.id'] === 'inv2-fail');
    expect(span?.status.code).toBe(2);
    expect(span?.status.message).toBe('n8n answered 503 for owner [email]');
    expect(span?.attributes['vigie.error_code']).toBe('UNAVAILABLE');
    expect(span?.events.some((e) => e.name === 'exception')).toBe(true);
    const event = sentry
      .events()
      .find((e) => e.payload.tags?.['vigie.handler'] === 'collector-fail');
    expect(event?.payload.contexts?.trace?.trace_id).toBe(span?.traceId);
    expect(JSON.stringify(event?.payload)).not.toContain('jane.doe@example.com');
    expect(pings).toContain('/api/v1/heartbeat/hb_test/fail');
  });

  it('never fails the job because the heartbeat is unreachable', async () => {
    const handler = withTelemetry('collector-hb-down', async () => 'done', {
      heartbeatUrl: 'http://127.0.0.1:9/heartbeat/x',
      heartbeatTimeoutMs: 500,
    });
    await expect(handler(undefined, { awsRequestId: 'inv3' })).resolves.toBe('done');
    const span = otlp.spans().find((s) => s.attributes['faas.invocation.id'] === 'inv3');
    expect(span?.attributes['vigie.heartbeat.outcome']).toBe('failed');
  });

  it('keeps working while Sentry and OTLP are down (the job result wins)', async () => {
    sentry.setFaults({ outage: true });
    otlp.setOutage(true);
    try {
      const handler = withTelemetry(
        'collector-outage',
        async () => {
          throw new Error('boom');
        },
        { flushTimeoutMs: 1_000 },
      );
      await expect(handler(undefined, {})).rejects.toThrow('boom');
    } finally {
      sentry.setFaults({});
      otlp.setOutage(false);
    }
  });

  it("trigger 'http': no span and no invocation count of its own; what escapes is still captured", async () => {
    const handler = withTelemetry(
      'api-http',
      async (event: { fail: boolean }) => {
        // The HTTP app's middleware makes the request's SERVER span; stand in for it here.
        const span = telemetry.tracer.startSpan('GET /x', { kind: 2 });
        span.end();
        if (event.fail) throw new Error('escaped the app');
        return 'ok';
      },
      { trigger: 'http' },
    );
    await expect(handler({ fail: false }, { awsRequestId: 'inv4-http' })).resolves.toBe('ok');
    await expect(handler({ fail: true }, { awsRequestId: 'inv5-http' })).rejects.toThrow('escaped');
    // Flushed before returning: the app's spans are there, and none of the wrapper's.
    expect(otlp.spans().filter((s) => s.name === 'GET /x')).toHaveLength(2);
    expect(otlp.spans().filter((s) => s.name === 'api-http')).toEqual([]);
    expect(
      otlp
        .metrics()
        .filter(
          (p) => p.name === 'vigie.invocations' && p.attributes['vigie.handler'] === 'api-http',
        ),
    ).toEqual([]);
    const event = sentry.events().find((e) => e.payload.tags?.['vigie.handler'] === 'api-http');
    expect(event).toBeDefined();
  });

  it('a scheduled handler (the default) is marked faas.trigger=timer', async () => {
    await withTelemetry('collector-timer', async () => 1)(undefined, { awsRequestId: 'inv6' });
    const span = otlp.spans().find((s) => s.attributes['faas.invocation.id'] === 'inv6');
    expect(span?.attributes['faas.trigger']).toBe('timer');
    expect(span?.kind).toBe(2);
  });
});
