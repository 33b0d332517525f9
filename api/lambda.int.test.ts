import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../adapters/postgres/pool.ts';
import { migrate } from '../adapters/postgres/migrate.ts';
import { startUpstashBridge } from '../sandbox/upstash/bridge.ts';
import { createTestDatabase, type TestDatabase } from '../testkit/pg.ts';
import { testRedisUrl } from '../testkit/redis.ts';

// The Lambda entry builds its deps from env at import: set env first, then import it.
let db: TestDatabase;
let bridge: Awaited<ReturnType<typeof startUpstashBridge>>;
let handler: (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;

beforeAll(async () => {
  db = await createTestDatabase();
  const pool = createPool(db.url);
  await migrate(pool);
  await pool.end();
  bridge = await startUpstashBridge({ redisUrl: testRedisUrl(), token: 'lambda-test' });
  Object.assign(process.env, {
    VIGIE_STAGE: 'staging',
    DATABASE_URL: db.url,
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: bridge.token,
  });
  ({ handler } = (await import('./lambda.ts')) as unknown as { handler: typeof handler });
});

afterAll(async () => {
  await bridge.close();
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
    const response = await handler(apiGatewayEvent('GET', '/healthz'), {});
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      dependencies: { postgres: { state: 'up' }, redis: { state: 'up' } },
    });
  });

  it('maps an unknown route to the JSON 404', async () => {
    const response = await handler(apiGatewayEvent('GET', '/nope'), {});
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'NOT_FOUND' });
  });
});
