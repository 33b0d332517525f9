import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../adapters/postgres/pool.ts';
import { migrate } from '../adapters/postgres/migrate.ts';
import { type OtlpStandIn, startOtlpStandIn } from '../sandbox/otlp/server.ts';
import { startUpstashBridge } from '../sandbox/upstash/bridge.ts';
import { createTestDatabase, type TestDatabase } from '../testkit/pg.ts';
import { testRedisUrl } from '../testkit/redis.ts';

// The Lambda entry builds its deps from env at import: set env first, then import it.
let db: TestDatabase;
let bridge: Awaited<ReturnType<typeof startUpstashBridge>>;
let otlp: OtlpStandIn;
let handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;

beforeAll(async () => {
  db = await createTestDatabase();
  const pool = createPool(db.url);
  await migrate(pool);
  await pool.end();
  bridge = await startUpstashBridge({ redisUrl: testRedisUrl(), token: 'lambda-test' });
  otlp = await startOtlpStandIn();
  Object.assign(process.env, {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    VIGIE_STAGE: 'staging',
    DATABASE_URL: db.url,
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: bridge.token,
  });
  ({ handler } = (await import('./lambda.ts')) as unknown as { handler: typeof handler });
});

afterAll(async () => {
  await bridge.close();
  await otlp.close();
  await db.drop();
});

function apiGatewayEvent(method: string, path: string) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.example.test' },
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req-1',
      stage: '$default',
    },
    isBase64Encoded: false,
  };
}

describe('the API as a Lambda', () => {
  it('answers an API Gateway v2 event through the same app', async () => {
    // A fresh container has no dependency snapshot: /readyz checks before answering (503 here,
    // naming n8n, which this Lambda is not given), and /healthz then reads that snapshot.
    const ready = await handler(apiGatewayEvent('GET', '/readyz'), {});
    expect(ready.statusCode).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({
      dependencies: {
        postgres: { state: 'up' },
        redis: { state: 'up' },
        n8n: { state: 'not_configured' },
      },
    });
    const response = await handler(apiGatewayEvent('GET', '/healthz'), {});
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      status: 'ok',
      dependencies: { postgres: { state: 'up' }, redis: { state: 'up' } },
    });
  });

  it('maps an unknown route to the JSON 404', async () => {
    const response = await handler(apiGatewayEvent('GET', '/nope'), {});
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('exports one SERVER span per request, marked as an HTTP-triggered invocation', async () => {
    // Lambda request ids are UUIDs.
    const requests = {
      '6a2f0b3c-1d4e-4f50-8a61-7b8c9d0e1f21': '/healthz',
      '6a2f0b3c-1d4e-4f50-8a61-7b8c9d0e1f22': '/nope',
    };
    for (const [awsRequestId, path] of Object.entries(requests)) {
      await handler(apiGatewayEvent('GET', path), { awsRequestId });
    }
    // The wrapper flushed before returning; every span of these invocations is at the stand-in.
    for (const [awsRequestId, path] of Object.entries(requests)) {
      await otlp.waitForSpan((s) => s.attributes['faas.invocation.id'] === awsRequestId);
      const servers = otlp
        .spans()
        .filter((s) => s.kind === 2 && s.resource['service.name'] === 'vigie-api')
        .filter((s) => s.attributes['faas.invocation.id'] === awsRequestId);
      expect(servers.map((s) => s.name)).toEqual([path === '/healthz' ? 'GET /healthz' : 'GET']);
      expect(servers[0]?.attributes['faas.trigger']).toBe('http');
    }
    // No scheduled-job span for an API request, with or without an invocation id.
    const serverSpans = otlp.spans().filter((s) => s.kind === 2);
    expect(serverSpans.filter((s) => s.attributes['faas.trigger'] !== 'http')).toEqual([]);
    expect(serverSpans.filter((s) => s.name === 'vigie-api')).toEqual([]);
  });
});
