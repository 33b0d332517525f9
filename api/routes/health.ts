import { Hono } from 'hono';
import type { AppDeps } from '../app.ts';

type DependencyState = { state: 'up' | 'down'; latencyMs: number; error?: string };

/**
 * `GET /healthz`: is this process serving, and can it reach each dependency? Answers 200 while
 * the process is alive (uptime monitors page on the process, not on a dependency blip) and names
 * each dependency's state; the deep readiness check is `/readyz`.
 */
export function healthRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    const [postgres, redis] = await Promise.all([
      probe(async () => {
        await deps.pool.query('select 1');
      }),
      probe(async () => {
        await deps.redis.ping();
      }),
    ]);
    const status = postgres.state === 'up' && redis.state === 'up' ? 'ok' : 'degraded';
    return c.json({ status, dependencies: { postgres, redis } }, 200);
  });
  return app;
}

async function probe(check: () => Promise<void>): Promise<DependencyState> {
  const started = performance.now();
  try {
    await check();
    return { state: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      state: 'down',
      latencyMs: Math.round(performance.now() - started),
      // The error class only: driver messages can carry connection strings.
      error: error instanceof Error ? error.name : 'Error',
    };
  }
}
