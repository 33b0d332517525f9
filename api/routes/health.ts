import { Hono } from 'hono';
import { createN8nClient } from '../../adapters/n8n/client.ts';
import type { AppDeps } from '../app.ts';
import { createDependencyHealth, type DependencyHealth } from '../dependency-health.ts';
import { readinessAlerts } from './readiness-alerts.ts';

/**
 * Time budget per dependency for one check. Their sum stays well under the uptime monitors'
 * 10 s request timeout (`core/catalog/monitors.ts`), so a slow dependency reads as "down",
 * never as a hung check.
 */
export const READINESS_BUDGET_MS = { postgres: 1_000, redis: 500, n8n: 2_000 } as const;

/** The app's dependency-health snapshot (`api/dependency-health.ts`) over its own deps. */
export function dependencyHealthOf(deps: AppDeps): DependencyHealth {
  if (deps.health) return deps.health;
  const n8n =
    deps.n8n ??
    (deps.config.N8N_BASE_URL && deps.config.N8N_API_KEY
      ? createN8nClient({ baseUrl: deps.config.N8N_BASE_URL, apiKey: deps.config.N8N_API_KEY })
      : undefined);
  const observe = readinessAlerts(deps.pool);
  const health = createDependencyHealth({
    refreshMs: deps.config.HEALTH_REFRESH_MS,
    // readyz-degraded from the second failed check in a row (readiness-alerts.ts): one
    // observation per refresh, however many probes read the snapshot.
    onRefresh: ({ dependencies: d }) =>
      observe({ postgres: d.postgres.state, redis: d.redis.state, n8n: d.n8n.state }),
    budgetsMs: READINESS_BUDGET_MS,
    checks: {
      postgres: {
        // The wait for one of our pooled connections is ours, not Postgres's: it is reported
        // (`waitMs`) but only the query counts against the budget. The pool's own acquisition
        // timeout bounds the wait.
        clockStartsInCheck: true,
        check: async (startClock) => {
          const asked = performance.now();
          const client = await deps.pool.connect();
          const waitMs = Math.round(performance.now() - asked);
          startClock();
          await client.query('select 1').then(
            () => client.release(),
            (error: unknown) => {
              client.release(true);
              throw error;
            },
          );
          return { waitMs };
        },
      },
      redis: { check: () => deps.redis.ping().then(() => {}) },
      ...(n8n
        ? {
            // The socket's own timeout is looser than the budget: the budget decides.
            n8n: { check: () => n8n.healthz({ timeoutMs: 2 * READINESS_BUDGET_MS.n8n }) },
          }
        : {}),
    },
  });
  return health;
}

/**
 * Both routes answer from the dependency-health snapshot, refreshed every `HEALTH_REFRESH_MS`
 * while it is read: a probe never calls a dependency itself.
 * `GET /healthz`: is this process serving? Always 200 while the process is alive (uptime pages
 * on the process, not on a dependency blip), with Postgres's and Redis's last known state; only
 * a process's first probe waits, for the first check.
 * `GET /readyz`: the deep check Better Stack watches: at the last refresh, Postgres, Redis and
 * n8n each answered within their budget, else 503 naming which did not. A snapshot older than
 * two intervals is refreshed before answering, so the answer is never older than that.
 */
export function healthRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const health = dependencyHealthOf(deps);

  app.get('/healthz', async (c) => {
    // Only a process's very first probe waits (for the first check); later ones never do.
    const snapshot = health.peek() ?? (await health.current());
    const { postgres, redis } = snapshot.dependencies;
    const status = postgres.state === 'up' && redis.state === 'up' ? 'ok' : 'degraded';
    return c.json(
      {
        status,
        checkedAt: snapshot.checkedAt.toISOString(),
        dependencies: { postgres, redis },
      },
      200,
    );
  });

  app.get('/readyz', async (c) => {
    const snapshot = await health.current();
    const { postgres, redis, n8n } = snapshot.dependencies;
    const ready = [postgres, redis, n8n].every((d) => d.state === 'up');
    return c.json(
      {
        status: ready ? 'ready' : 'not_ready',
        checkedAt: snapshot.checkedAt.toISOString(),
        dependencies: { postgres, redis, n8n },
      },
      ready ? 200 : 503,
    );
  });
  return app;
}
