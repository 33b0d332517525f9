/**
 * The erasure benchmark's server process: the real app twice on 127.0.0.1 (port 0), one as in
 * production and one with the `erase` audit row switched off by dependency flag, so the load
 * generator and the stand-ins (bench/privacy-erasure.ts) do not share its event loop.
 * Prints `{"on": url, "off": url}`.
 */
import { createApp } from '../api/app.ts';
import { serveApp } from '../api/server.ts';
import { createN8nClient } from '../adapters/n8n/client.ts';
import { createPool } from '../adapters/postgres/pool.ts';
import { createRedis } from '../adapters/upstash/client.ts';
import { parseConfig, requireSettings } from '../core/config.ts';
import { receiptSignerFrom } from '../core/privacy/receipt.ts';

const config = requireSettings(
  parseConfig(process.env),
  [
    'DATABASE_URL',
    'UPSTASH_REDIS_REST_URL',
    'UPSTASH_REDIS_REST_TOKEN',
    'N8N_BASE_URL',
    'N8N_API_KEY',
    'SUPPRESSION_HMAC_KEYS',
    'SUBJECT_SEAL_KEYS',
    'RECEIPT_SIGNING_KEY',
  ],
  'The erasure benchmark server',
);
const pool = createPool(config.DATABASE_URL, { max: 20 });
const deps = {
  config,
  pool,
  redis: createRedis({
    url: config.UPSTASH_REDIS_REST_URL,
    token: config.UPSTASH_REDIS_REST_TOKEN,
    retries: 0,
  }),
  n8n: createN8nClient({
    baseUrl: config.N8N_BASE_URL,
    apiKey: config.N8N_API_KEY,
    timeoutMs: 5000,
  }),
};
const receiptSigner = receiptSignerFrom(config.RECEIPT_SIGNING_KEY);
// The per-user limit is not what the benchmark measures (see bench/privacy-erasure.ts).
const rateLimit = { action: 'erase', limit: 6_000, windowSeconds: 60 };
// The cap's size, to compare settings (default: the app's own).
// The API as deployed (a Lambda, frozen once it has answered): the erasure-retry collector does
// the background part, measured apart by the benchmark.
const cap = {
  background: 'collector' as const,
  ...(process.env.BENCH_ERASURE_CONCURRENCY
    ? { concurrency: Number(process.env.BENCH_ERASURE_CONCURRENCY) }
    : {}),
};
const on = await serveApp(createApp({ ...deps, erasure: { receiptSigner, rateLimit, ...cap } }), {
  port: 0,
});
const off = await serveApp(
  createApp({ ...deps, erasure: { receiptSigner, rateLimit, audit: false, ...cap } }),
  { port: 0 },
);
process.stdout.write(`${JSON.stringify({ on: on.url, off: off.url })}\n`);
process.on('SIGTERM', () => {
  void Promise.all([on.close(), off.close()])
    .then(() => pool.end())
    .finally(() => process.exit(0));
});
