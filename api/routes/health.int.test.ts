import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { startErasureStack, type ErasureStack } from '../../testkit/erasure-stack.ts';

let stack: ErasureStack;

beforeAll(async () => {
  stack = await startErasureStack({ customers: 1, prospectsPerCustomer: 5, now: new Date() });
});

afterAll(async () => {
  await stack.close();
});

type Body = { status: string; dependencies: Record<string, { state: string; error?: string }> };

async function get(path: string, app = stack.app): Promise<{ status: number; body: Body }> {
  const response = await app.request(path);
  return { status: response.status, body: (await response.json()) as Body };
}

describe('/readyz', () => {
  it('is ready when Postgres, Redis and n8n all answer within budget', async () => {
    const { status, body } = await get('/readyz');
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    expect(Object.values(body.dependencies).map((d) => d.state)).toEqual(['up', 'up', 'up']);
  });

  it('answers 503 naming n8n when n8n is down, while /healthz stays 200', async () => {
    stack.n8n.faults.outage = true;
    try {
      const ready = await get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.dependencies.n8n?.state).toBe('down');
      expect(ready.body.dependencies.postgres?.state).toBe('up');
      expect((await get('/healthz')).status).toBe(200);
    } finally {
      stack.n8n.faults.outage = false;
    }
  });

  it('answers 503 naming Redis when the Upstash endpoint is down', async () => {
    stack.bridge.faults.outage = true;
    try {
      const { status, body } = await get('/readyz');
      expect(status).toBe(503);
      expect(body.dependencies.redis?.state).toBe('down');
      expect(body.dependencies.n8n?.state).toBe('up');
    } finally {
      stack.bridge.faults.outage = false;
    }
  });

  it('is not ready when n8n is not configured at all', async () => {
    const app = createApp({
      config: { ...stack.config, N8N_BASE_URL: undefined, N8N_API_KEY: undefined },
      pool: stack.pool,
      redis: stack.redis,
    });
    const { status, body } = await get('/readyz', app);
    expect(status).toBe(503);
    expect(body.dependencies.n8n?.state).toBe('not_configured');
  });
});

describe('readyz-degraded', () => {
  it('is raised from the second failed probe in a row of a check, counted, and resolved when it passes', async () => {
    const app = createApp({ config: stack.config, pool: stack.pool, redis: stack.redis });
    const group = async () =>
      (
        await stack.pool.query<{ labels: unknown; occurrences: number; resolved: boolean }>(
          `select labels, occurrences, resolved_at is not null as resolved from alert_outbox
            where alert_id = 'readyz-degraded' order by id`,
        )
      ).rows;
    stack.n8n.faults.outage = true;
    try {
      expect((await get('/readyz', app)).status).toBe(503);
      expect(await group()).toEqual([]); // one failure is a blip
      await get('/readyz', app);
      await get('/readyz', app);
    } finally {
      stack.n8n.faults.outage = false;
    }
    expect(await group()).toEqual([
      { labels: { check: 'n8n', failures: 3 }, occurrences: 2, resolved: false },
    ]);
    expect((await get('/readyz', app)).status).toBe(200);
    expect(await group()).toEqual([
      { labels: { check: 'n8n', failures: 3 }, occurrences: 2, resolved: true },
    ]);
  });
});
