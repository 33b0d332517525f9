import { Hono } from 'hono';
import type { Config } from '../core/config.ts';
import type { Pool } from '../adapters/postgres/pool.ts';
import type { Redis } from '@upstash/redis';
import { healthRoutes } from './routes/health.ts';
import { bodyLimitMiddleware, notFound, onError, requestIdMiddleware } from './errors.ts';
import type { Telemetry } from '../telemetry/init.ts';
import { telemetryMiddleware } from '../telemetry/hono.ts';
import { n8nHookRoutes } from './routes/n8n-hook.ts';
import { snsHookRoutes } from './routes/aws-sns-hook.ts';
import { betterStackHookRoutes } from './routes/betterstack-hook.ts';
import { sentryHookRoutes } from './routes/sentry-hook.ts';
import { TUNNEL_PATH, sentryTunnelRoutes } from './routes/sentry-tunnel.ts';
import { webRoutes } from './routes/web.ts';
import { exportRoutes } from './routes/export.ts';
import { consentRoutes } from './routes/consent.ts';
import { type ErasureOptions, erasureRoutes } from './routes/erasure.ts';
import type { N8nClient } from '../adapters/n8n/client.ts';
import type { EnrichmentGateway } from '../adapters/anthropic/enrichment-gateway.ts';
import { enrichmentRoutes } from './routes/enrichments.ts';
import type { DependencyHealth } from './dependency-health.ts';

/** What the HTTP app needs; built from env by `api/server.ts` locally and `api/lambda.ts` in AWS. */
export interface AppDeps {
  config: Config;
  pool: Pool;
  redis: Redis;
  /** `initTelemetry(...)`; when absent the app runs without spans or Sentry (benchmarks' "off"). */
  telemetry?: Telemetry;
  /** n8n's API client; built from N8N_BASE_URL / N8N_API_KEY when absent. */
  n8n?: N8nClient;
  /** Erasure overrides for tests and benchmarks (receipt signer, audit on/off). */
  erasure?: ErasureOptions;
  /** The enrichment gateway; built once per config from the ANTHROPIC_* settings when absent. */
  enrichment?: EnrichmentGateway;
  /** The dependency-health snapshot behind `/healthz` and `/readyz`; built from the other deps when absent. */
  health?: DependencyHealth;
}

/** One app for local staging, tests (`app.request(...)`) and Lambda (`hono/aws-lambda`). */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  // First, so the request span covers every other middleware and the error mapping.
  if (deps.telemetry) app.use('*', telemetryMiddleware(deps.telemetry));
  // Errors map once (api/errors.ts): every error is JSON {code, message, requestId}.
  // The tunnel takes a Sentry-sized envelope and sets its own limit (routes/sentry-tunnel.ts).
  // GET and HEAD carry no body a route reads; asking for one would make the Node adapter build
  // a full Fetch Request per read (a measured cost under load, load/capacity-report.md).
  const bodyLimit = bodyLimitMiddleware();
  app.use('*', requestIdMiddleware(), (c, next) =>
    c.req.path === TUNNEL_PATH || c.req.method === 'GET' || c.req.method === 'HEAD'
      ? next()
      : bodyLimit(c, next),
  );
  app.onError(onError);
  app.notFound(notFound);
  app.route('/', healthRoutes(deps));
  app.route('/', n8nHookRoutes(deps));
  app.route('/', snsHookRoutes(deps));
  app.route('/', betterStackHookRoutes(deps));
  app.route('/', sentryHookRoutes(deps));
  app.route('/', sentryTunnelRoutes(deps));
  app.route('/', webRoutes(deps));
  app.route('/', exportRoutes(deps));
  app.route('/', consentRoutes(deps));
  app.route('/', erasureRoutes(deps));
  app.route('/', enrichmentRoutes(deps));
  return app;
}
