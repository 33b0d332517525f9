import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OtlpStandIn, startOtlpStandIn } from '../otlp/server.ts';
import { type SentryStandIn, parseEnvelope, startSentryStandIn } from './server.ts';

let sentry: SentryStandIn;
let otlp: OtlpStandIn;

beforeAll(async () => {
  [sentry, otlp] = await Promise.all([startSentryStandIn({ projectId: '7' }), startOtlpStandIn()]);
});
afterAll(async () => {
  await Promise.all([sentry?.close(), otlp?.close()]);
});

function post(body: Buffer | string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sentry.url}/api/7/envelope/?sentry_version=7&sentry_key=${sentry.publicKey}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-sentry-envelope', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
}

describe('Sentry stand-in envelopes', () => {
  it('parses items with and without length, including payloads that contain newlines', () => {
    const attachment = 'line one\nline two';
    const raw = Buffer.from(
      [
        JSON.stringify({ event_id: '1' }),
        JSON.stringify({ type: 'attachment', length: Buffer.byteLength(attachment) }),
        attachment,
        JSON.stringify({ type: 'event' }),
        JSON.stringify({ event_id: '1', message: 'x' }),
      ].join('\n'),
    );
    const { header, items } = parseEnvelope(raw);
    expect(header).toEqual({ event_id: '1' });
    expect(items.map((i) => i.type)).toEqual(['attachment', 'event']);
    expect(String(items[0]?.payload)).toBe(attachment); // not JSON: kept as raw bytes
    expect(items[1]?.payload).toEqual({ event_id: '1', message: 'x' });
  });

  it('accepts gzip, stores events and transactions, skips unknown item types', async () => {
    const body = [
      JSON.stringify({ event_id: 'c'.repeat(32) }),
      JSON.stringify({ type: 'mystery_item_type' }),
      JSON.stringify({ whatever: true }),
      JSON.stringify({ type: 'event' }),
      JSON.stringify({ event_id: 'c'.repeat(32), message: 'gzipped' }),
      JSON.stringify({ type: 'transaction' }),
      JSON.stringify({ event_id: 'd'.repeat(32), type: 'transaction', transaction: 'GET /x' }),
    ].join('\n');
    const res = await post(gzipSync(body), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(sentry.envelopes().at(-1)?.gzipped).toBe(true);
    expect(sentry.events().map((e) => e.payload.message)).toContain('gzipped');
    expect(sentry.transactions().map((e) => e.payload.transaction)).toContain('GET /x');
  });

  it('rejects unknown keys, unknown projects and broken envelopes', async () => {
    const ok = `${JSON.stringify({})}\n${JSON.stringify({ type: 'event' })}\n{}`;
    const badKey = await fetch(`${sentry.url}/api/7/envelope/?sentry_key=nope`, {
      method: 'POST',
      body: ok,
    });
    // Relay: a key it does not know is forbidden; no key at all is unauthorized.
    expect(badKey.status).toBe(403);
    const noKey = await fetch(`${sentry.url}/api/7/envelope/`, { method: 'POST', body: ok });
    expect(noKey.status).toBe(401);
    const badProject = await fetch(`${sentry.url}/api/8/envelope/?sentry_key=${sentry.publicKey}`, {
      method: 'POST',
      body: ok,
    });
    expect(badProject.status).toBe(404);
    expect((await post('{not json')).status).toBe(400);
    expect((await post(Buffer.from('x'), { 'content-encoding': 'gzip' })).status).toBe(400);
  });

  it('takes the key from an Authorization: Sentry header and answers the event id', async () => {
    const eventId = 'e'.repeat(32);
    const body = [
      JSON.stringify({ event_id: eventId }),
      JSON.stringify({ type: 'event' }),
      JSON.stringify({ event_id: eventId, message: 'via authorization' }),
    ].join('\n');
    const res = await fetch(`${sentry.url}/api/7/envelope/`, {
      method: 'POST',
      headers: { authorization: `Sentry sentry_version=7, sentry_key=${sentry.publicKey}` },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: eventId });
    const viaXAuth = await fetch(`${sentry.url}/api/7/envelope`, {
      method: 'POST',
      headers: { 'x-sentry-auth': `Sentry sentry_key=${sentry.publicKey}, sentry_version=7` },
      body: `{}\n${JSON.stringify({ type: 'session' })}\n{}`,
    });
    // No event id in the envelope: an empty object.
    expect(await viaXAuth.json()).toEqual({});
  });

  it('fault knobs: outage answers 503, rate limit answers 429 with Retry-After', async () => {
    const ok = `${JSON.stringify({})}\n${JSON.stringify({ type: 'event' })}\n{"message":"during fault"}`;
    sentry.setFaults({ outage: true });
    expect((await post(ok)).status).toBe(503);
    sentry.setFaults({ rateLimitSeconds: 30 });
    const limited = await post(ok);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    sentry.setFaults({});
    expect(sentry.events().some((e) => e.payload.message === 'during fault')).toBe(false);
  });
});

describe('OTLP stand-in', () => {
  it('flattens JSON trace exports and refuses protobuf with 415', async () => {
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeSpans: [
            {
              scope: { name: 'test' },
              spans: [
                {
                  traceId: 'a'.repeat(32),
                  spanId: 'b'.repeat(16),
                  name: 'GET /x',
                  kind: 2,
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                  attributes: [{ key: 'http.response.status_code', value: { intValue: 200 } }],
                  status: { code: 0 },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${otlp.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    expect(res.status).toBe(200);
    const span = await otlp.waitForSpan((s) => s.name === 'GET /x');
    expect(span.attributes['http.response.status_code']).toBe(200);
    expect(span.resource['service.name']).toBe('svc');
    const proto = await fetch(`${otlp.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0x0a, 0x00]),
    });
    expect(proto.status).toBe(415);
  });
});
