import { Hono } from 'hono';
import { createN8nClient } from '../../adapters/n8n/client.ts';
import type { AppDeps } from '../app.ts';
import { readinessAlerts } from './readiness-alerts.ts';

type DependencyState = {
  state: 'up' | 'down' | 'not_configured';
  latencyMs: number;
  budgetMs?: number;
  error?: string;
};

/**
 * Time budget per dependency for `/readyz`. Their sum stays well under the uptime monitors'
 * 10 s request timeout (`core/catalog/monitors.ts`), so a slow dependency reads as "down",
 * never as a hung check.
 */
export const READINESS_BUDGET_MS = { postgres: 1_000, redis: 500, n8n: 2_000 } as const;

/**
 * `GET /healthz`: is this process serving? Always 200 while the process is alive (uptime pages
 * on the process, not on a dependency blip), naming each dependency's state.
 * `GET /readyz`: the deep check Better Stack watches: Postgres, Redis and n8n each answer within
 * their budget, else 503 naming which did not.
 */
export function healthRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  const n8n =
    deps.n8n ??
    (deps.config.N8N_BASE_URL && deps.config.N8N_API_KEY
      ? createN8nClient({ baseUrl: deps.config.N8N_BASE_URL, apiKey: deps.config.N8N_API_KEY })
      : undefined);
  const postgres = () => deps.pool.query('select 1').then(() => {});
  const redis = () => deps.redis.ping().then(() => {});
  const observe = readinessAlerts(deps.pool);

  app.get('/healthz', async (c) => {
    const [pg, rd] = await Promise.all([probe(postgres), probe(redis)]);
    const status = pg.state === 'up' && rd.state === 'up' ? 'ok' : 'degraded';
    return c.json({ status, dependencies: { postgres: pg, redis: rd } }, 200);
  });

  app.get('/readyz', async (c) => {
    const [pg, rd, wf] = await Promise.all([
      probe(postgres, READINESS_BUDGET_MS.postgres),
      probe(redis, READINESS_BUDGET_MS.redis),
      n8n
        ? probe(() => n8n.healthz({ timeoutMs: READINESS_BUDGET_MS.n8n }), READINESS_BUDGET_MS.n8n)
        : Promise.resolve<DependencyState>({ state: 'not_configured', latencyMs: 0 }),
    ]);
    const ready = [pg, rd, wf].every((d) => d.state === 'up');
    // Raises readyz-degraded from the second failure in a row (readiness-alerts.ts).
    await observe({ postgres: pg.state, redis: rd.state, n8n: wf.state });
    return c.json(
      { status: ready ? 'ready' : 'not_ready', dependencies: { postgres: pg, redis: rd, n8n: wf } },
      ready ? 200 : 503,
    );
  });
  return app;
}

async function probe(check: () => Promise<void>, budgetMs?: number): Promise<DependencyState> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  try {
    const overBudget = new Promise<never>((_, reject) => {
      if (budgetMs !== undefined) {
        timer = setTimeout(() => reject(new BudgetExceeded()), budgetMs);
      }
    });
    await Promise.race([check(), overBudget]);
    return { state: 'up', latencyMs: elapsed(), ...(budgetMs ? { budgetMs } : {}) };
  } catch (error) {
    return {
      state: 'down',
      latencyMs: elapsed(),
      ...(budgetMs ? { budgetMs } : {}),
      // The error class only: driver messages can carry connection strings.
      error: error instanceof Error ? error.name : 'Error',
    };
  } finally {
    clearTimeout(timer);
  }
}

class BudgetExceeded extends Error {
  override name = 'BudgetExceeded';
}
