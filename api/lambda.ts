import { handle } from 'hono/aws-lambda';
import { loadSsmSecrets } from '../adapters/aws/ssm-secrets.ts';
import { createN8nClient } from '../adapters/n8n/client.ts';
import { createPool } from '../adapters/postgres/pool.ts';
import { createRedis } from '../adapters/upstash/client.ts';
import { parseConfig, requireSettings } from '../core/config.ts';
import { initTelemetry } from '../telemetry/init.ts';
import { withTelemetry } from '../telemetry/with-telemetry.ts';
import { createApp } from './app.ts';

/**
 * The privacy API as a Lambda behind API Gateway: the same app as local staging. Deps are built
 * once per container from env (the same names as local env and Pulumi config); Supavisor's
 * transaction mode lets many containers share few connections, so each keeps a pool of 2.
 */
// Deployed: secrets arrive as SSM parameter names (VIGIE_SSM_SECRETS), read once per cold start.
await loadSsmSecrets(process.env);

const config = requireSettings(
  parseConfig(process.env),
  ['DATABASE_URL', 'UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'],
  'The privacy API Lambda',
);

const telemetry = initTelemetry({
  serviceName: 'vigie-api',
  sentryDsn: config.SENTRY_DSN,
  otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  environment: config.VIGIE_STAGE,
});

const app = createApp({
  config,
  pool: createPool(config.DATABASE_URL, { max: 2 }),
  redis: createRedis({
    url: config.UPSTASH_REDIS_REST_URL,
    token: config.UPSTASH_REDIS_REST_TOKEN,
  }),
  telemetry,
  // Frozen once it has answered: the erasure-retry collector advances erasures, not this process.
  erasure: { background: 'collector' },
  ...(config.N8N_BASE_URL && config.N8N_API_KEY
    ? { n8n: createN8nClient({ baseUrl: config.N8N_BASE_URL, apiKey: config.N8N_API_KEY }) }
    : {}),
});

/**
 * Flushes Sentry and OTel before the invocation returns, or the container may freeze first.
 * `trigger: 'http'`: the telemetry middleware makes each request's one SERVER span
 * (`faas.trigger=http`); the wrapper adds none.
 */
export const handler = withTelemetry('vigie-api', handle(app), { telemetry, trigger: 'http' });
