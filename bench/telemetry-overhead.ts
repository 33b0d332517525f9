import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { Redis } from '@upstash/redis';
import { createPool } from '../adapters/postgres/pool.ts';
import { createApp } from '../api/app.ts';
import { serveApp } from '../api/server.ts';
import { parseConfig } from '../core/config.ts';
import { startUpstashBridge } from '../sandbox/upstash/bridge.ts';
import { initTelemetry } from '../telemetry/init.ts';
import { createTestDatabase } from '../testkit/pg.ts';

const RATE_PER_S = 100;
const BLOCK_MS = 5_000;
const BLOCKS_PER_MODE = 4; // 20 s per mode, interleaved off/on so drift hits both alike
const WARMUP_MS = 2_000;

/**
 * Request latency through the HTTP app with telemetry on (OTel span + histogram per request,
 * OTLP export to the stand-in, Sentry initialised) vs off (no middleware), same process, same
 * route (`GET /bench/io`, mounted here: one Postgres query + one Upstash REST ping via the bridge
 * to the local Redis, what `/healthz` did before it read a snapshot), same open-model load: 100 req/s scheduled on a clock, latency measured from each
 * request's *scheduled* time so a slow server cannot slow the load down (no coordinated omission).
 * Target: p95 on/off ≤ 1.10.
 */
export async function benchTelemetryOverhead(): Promise<Record<string, number | string>> {
  const db = await createTestDatabase('vigie_bench_tel');
  const pool = createPool(db.url, { max: 10 });
  const token = randomBytes(16).toString('hex');
  const bridge = await startUpstashBridge({
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    token,
  });
  // The receivers run in their own process, as a collector and Sentry do in production: their
  // JSON parsing must not be billed to the app's event loop.
  const receivers = await startReceiversProcess();
  const sentry = receivers.sentry;
  const otlp = receivers.otlp;
  const telemetry = initTelemetry({
    serviceName: 'vigie-bench',
    sentryDsn: sentry.dsn,
    otlpEndpoint: otlp.url,
    environment: 'bench',
    metricExportIntervalMs: 5_000,
  });
  const redis = new Redis({ url: bridge.url, token });
  const config = parseConfig({ VIGIE_STAGE: 'local', SENTRY_DSN: sentry.dsn });
  const withIo = (app: ReturnType<typeof createApp>) =>
    app.get('/bench/io', async (c) => {
      await Promise.all([pool.query('select 1'), redis.ping()]);
      return c.json({ status: 'ok' });
    });
  const off = await serveApp(withIo(createApp({ config, pool, redis })), { port: 0 });
  const on = await serveApp(withIo(createApp({ config, pool, redis, telemetry })), { port: 0 });
  try {
    await openLoad(`${off.url}/bench/io`, WARMUP_MS);
    await openLoad(`${on.url}/bench/io`, WARMUP_MS);
    const samples = { off: [] as number[], on: [] as number[] };
    let errors = 0;
    for (let block = 0; block < BLOCKS_PER_MODE; block++) {
      for (const mode of ['off', 'on'] as const) {
        const result = await openLoad(`${(mode === 'on' ? on : off).url}/bench/io`, BLOCK_MS);
        samples[mode].push(...result.latencies);
        errors += result.errors;
      }
    }
    await telemetry.flush(5_000);
    const offP = percentiles(samples.off);
    const onP = percentiles(samples.on);
    return {
      'load (open model), req/s': RATE_PER_S,
      'requests per mode': samples.on.length,
      'off p50, ms': offP.p50,
      'off p95, ms': offP.p95,
      'off p99, ms': offP.p99,
      'on p50, ms': onP.p50,
      'on p95, ms': onP.p95,
      'on p99, ms': onP.p99,
      'p95 ratio on/off (target ≤ 1.10)': onP.p95 / offP.p95,
      'p50 ratio on/off': onP.p50 / offP.p50,
      'non-2xx or failed requests': errors,
      'spans received by the OTLP stand-in': await receivers.spanCount(),
    };
  } finally {
    await Promise.allSettled([on.close(), off.close()]);
    await telemetry.shutdown();
    receivers.stop();
    await Promise.allSettled([bridge.close(), pool.end()]);
    await db.drop();
  }
}

/** Sends RATE_PER_S requests/s for `durationMs` on a fixed schedule, whatever the answers do. */
async function openLoad(
  url: string,
  durationMs: number,
): Promise<{ latencies: number[]; errors: number }> {
  const interval = 1000 / RATE_PER_S;
  const total = Math.round(durationMs / interval);
  const start = performance.now();
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  let errors = 0;
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const now = performance.now();
      // Catch up on every request whose scheduled time has passed (timers fire late).
      while (sent < total && start + sent * interval <= now) {
        const scheduled = start + sent * interval;
        sent++;
        inFlight.push(
          fetch(url)
            .then(async (res) => {
              await res.arrayBuffer();
              if (!res.ok) errors++;
            })
            .catch(() => {
              errors++;
            })
            .finally(() => {
              latencies.push(performance.now() - scheduled);
            }),
        );
      }
      if (sent >= total) done();
      else setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(inFlight);
  return { latencies, errors };
}

function percentiles(values: number[]): { p50: number; p95: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** Starts the Sentry and OTLP stand-ins in a child Node process; reads their URLs from stdout. */
async function startReceiversProcess(): Promise<{
  sentry: { dsn: string };
  otlp: { url: string };
  spanCount(): Promise<number>;
  stop(): void;
}> {
  const here = new URL('.', import.meta.url);
  const code = `
    const { startSentryStandIn } = await import(${JSON.stringify(new URL('../sandbox/sentry/server.ts', here).href)});
    const { startOtlpStandIn } = await import(${JSON.stringify(new URL('../sandbox/otlp/server.ts', here).href)});
    const [sentry, otlp] = await Promise.all([startSentryStandIn(), startOtlpStandIn()]);
    console.log(JSON.stringify({ dsn: sentry.dsn, url: otlp.url }));
    process.stdin.on('data', () => console.log(JSON.stringify({ spans: otlp.spans().length })));
    process.stdin.on('end', () => process.exit(0));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next();
    if (line.done) throw new Error('the stand-in process exited early');
    return JSON.parse(line.value) as Record<string, unknown>;
  };
  const started = await next();
  return {
    sentry: { dsn: String(started.dsn) },
    otlp: { url: String(started.url) },
    async spanCount() {
      child.stdin.write('count\n');
      return Number((await next()).spans);
    },
    stop() {
      child.stdin.end();
    },
  };
}
