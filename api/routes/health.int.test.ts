import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type AppDeps } from '../app.ts';
import { startErasureStack, type ErasureStack } from '../../testkit/erasure-stack.ts';
import type { DependencyHealth } from '../dependency-health.ts';
import { dependencyHealthOf } from './health.ts';

let stack: ErasureStack;
let app: Hono;
let health: DependencyHealth;
let pgConnects = 0;

beforeAll(async () => {
  stack = await startErasureStack({ customers: 1, prospectsPerCustomer: 5, now: new Date() });
  // The real pool, counting the connections the health checks take from it.
  const pool = stack.appPool;
  const connect = pool.connect.bind(pool);
  const counted = Object.assign(Object.create(pool) as typeof pool, {
    connect: (...args: unknown[]) => {
      pgConnects += 1;
      return (connect as (...a: unknown[]) => unknown)(...args);
    },
  });
  const deps: AppDeps = {
    config: stack.config,
    pool: counted,
    redis: stack.redis,
    n8n: stack.n8nClient,
  };
  health = dependencyHealthOf(deps);
  app = createApp({ ...deps, health });
});

afterAll(async () => {
  health.stop();
  await stack.close();
});

type Body = {
  status: string;
  checkedAt?: string;
  dependencies: Record<string, { state: string; error?: string; waitMs?: number }>;
};

async function get(path: string, on = app): Promise<{ status: number; body: Body }> {
  const response = await on.request(path);
  return { status: response.status, body: (await response.json()) as Body };
}

describe('/readyz', () => {
  it('is ready when Postgres, Redis and n8n all answered within budget', async () => {
    await health.refresh();
    const { status, body } = await get('/readyz');
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    expect(Object.values(body.dependencies).map((d) => d.state)).toEqual(['up', 'up', 'up']);
    expect(body.dependencies.postgres?.waitMs).toEqual(expect.any(Number));
  });

  it('answers many probes from one snapshot: a probe never calls a dependency itself', async () => {
    await health.refresh();
    const before = pgConnects;
    const answers = await Promise.all(Array.from({ length: 30 }, () => get('/readyz')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.body.checkedAt)).size).toBe(1);
    expect(pgConnects).toBe(before);
  });

  it('answers 503 naming n8n once a refresh saw n8n down, while /healthz stays 200', async () => {
    stack.n8n.faults.outage = true;
    try {
      await health.refresh();
      const ready = await get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.dependencies.n8n?.state).toBe('down');
      expect(ready.body.dependencies.postgres?.state).toBe('up');
      expect((await get('/healthz')).status).toBe(200);
    } finally {
      stack.n8n.faults.outage = false;
    }
    await health.refresh();
    expect((await get('/readyz')).status).toBe(200);
  });

  it('answers 503 naming Redis when the Upstash endpoint is down, and /healthz says degraded', async () => {
    stack.bridge.faults.outage = true;
    try {
      await health.refresh();
      const { status, body } = await get('/readyz');
      expect(status).toBe(503);
      expect(body.dependencies.redis?.state).toBe('down');
      expect(body.dependencies.n8n?.state).toBe('up');
      const live = await get('/healthz');
      expect(live.status).toBe(200);
      expect(live.body.status).toBe('degraded');
      expect(live.body.dependencies.redis?.state).toBe('down');
    } finally {
      stack.bridge.faults.outage = false;
    }
  });

  it('is not ready when n8n is not configured at all', async () => {
    const bare = createApp({
      config: { ...stack.config, N8N_BASE_URL: undefined, N8N_API_KEY: undefined },
      pool: stack.appPool,
      redis: stack.redis,
    });
    const { status, body } = await get('/readyz', bare);
    expect(status).toBe(503);
    expect(body.dependencies.n8n?.state).toBe('not_configured');
  });
});

describe('readyz-degraded', () => {
  it('is raised from the second failed check in a row, counted, and resolved when it passes', async () => {
    const deps: AppDeps = { config: stack.config, pool: stack.pool, redis: stack.redis };
    const checks = dependencyHealthOf(deps);
    const app = createApp({ ...deps, health: checks });
    const group = async () =>
      (
        await stack.pool.query<{ labels: unknown; occurrences: number; resolved: boolean }>(
          `select labels, occurrences, resolved_at is not null as resolved from alert_outbox
            where alert_id = 'readyz-degraded' order by id`,
        )
      ).rows;
    stack.n8n.faults.outage = true;
    try {
      await checks.refresh();
      expect((await get('/readyz', app)).status).toBe(503);
      // Many probes read one snapshot: one failed check, however often it is read, is a blip.
      for (let i = 0; i < 5; i += 1) expect((await get('/readyz', app)).status).toBe(503);
      expect(await group()).toEqual([]);
      await checks.refresh();
      await checks.refresh();
    } finally {
      stack.n8n.faults.outage = false;
    }
    expect(await group()).toEqual([
      { labels: { check: 'n8n', failures: 3 }, occurrences: 2, resolved: false },
    ]);
    await checks.refresh();
    expect((await get('/readyz', app)).status).toBe(200);
    expect(await group()).toEqual([
      { labels: { check: 'n8n', failures: 3 }, occurrences: 2, resolved: true },
    ]);
    checks.stop();
  });
});
