import { Hono } from 'hono';
import type { Config } from '../core/config.ts';
import type { Pool } from '../adapters/postgres/pool.ts';
import type { Redis } from '@upstash/redis';
import { healthRoutes } from './routes/health.ts';

/** What the HTTP app needs; built from env by `api/server.ts` locally and `api/lambda.ts` in AWS. */
export interface AppDeps {
  config: Config;
  pool: Pool;
  redis: Redis;
}

/** One app for local staging, tests (`app.request(...)`) and Lambda (`hono/aws-lambda`). */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.route('/', healthRoutes(deps));
  return app;
}
