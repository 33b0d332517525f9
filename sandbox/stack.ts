import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Redis } from '@upstash/redis';
import { createRedis } from '../adapters/upstash/client.ts';
import { createPool, type Pool } from '../adapters/postgres/pool.ts';
import { migrate } from '../adapters/postgres/migrate.ts';
import { isSeeded, seed } from '../adapters/postgres/seed.ts';
import { createApp } from '../api/app.ts';
import { serveApp } from '../api/server.ts';
import { parseConfig, type Config } from '../core/config.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { startRedisServer } from './redis-server.ts';
import { startUpstashBridge } from './upstash/bridge.ts';

export interface StackOptions {
  /** The environment to read settings from (`process.env` from the CLI). */
  env: Record<string, string | undefined>;
  /** Where embedded data lives (git-ignored). */
  stateDir?: string;
  /** Seed demo data when the database is empty. */
  seedWhenEmpty?: boolean;
  /** Seed size; the default is the product's 50 customers × 2,000 prospects. */
  seedSize?: { customers: number; prospectsPerCustomer: number };
  log?: (line: string) => void;
  now?: () => Date;
}

export interface RunningStack {
  config: Config;
  urls: { app: string; upstash: string; postgres: string; redis: string };
  /** Which dependencies were started here rather than given by env. */
  embedded: { postgres: boolean; redis: boolean };
  pool: Pool;
  redis: Redis;
  timings: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * The local staging behind `npm start`: real Postgres and Redis (given by `DATABASE_URL` /
 * `REDIS_URL`, or started here), migrations, seed data, the provider stand-ins, the HTTP app.
 * Each step registers how to undo itself, so a failure half-way stops what had started.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  const config = parseConfig(options.env);
  const stateDir = path.resolve(options.stateDir ?? config.VIGIE_STATE_DIR);
  const stops: Array<() => Promise<void>> = [];
  const timings: Record<string, number> = {};
  const stop = async () => {
    for (const undo of stops.reverse()) await undo().catch(() => {});
    stops.length = 0;
  };
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await fn();
    timings[name] = Math.round(performance.now() - started);
    return result;
  };

  try {
    const postgres = await step('postgres', async () => {
      if (config.DATABASE_URL) return { url: config.DATABASE_URL, embedded: false };
      const handle = await startEmbeddedPostgres({ dataDir: path.join(stateDir, 'postgres'), log });
      stops.push(handle.stop);
      return { url: handle.url, embedded: true };
    });

    const redisServer = await step('redis', async () => {
      if (config.REDIS_URL) return { url: config.REDIS_URL, embedded: false };
      const handle = await startRedisServer({ dataDir: path.join(stateDir, 'redis'), log });
      stops.push(handle.stop);
      return { url: handle.url, embedded: true };
    });

    const pool = createPool(postgres.url, { max: config.DATABASE_POOL_MAX });
    stops.push(() => pool.end());
    const migrated = await step('migrate', () => migrate(pool));
    if (migrated.applied.length > 0) log(`applied ${migrated.applied.length} migration(s)`);

    const bridge = await step('upstash', async () => {
      const token = config.UPSTASH_REDIS_REST_TOKEN ?? randomBytes(24).toString('base64url');
      const handle = await startUpstashBridge({ redisUrl: redisServer.url, token });
      stops.push(handle.close);
      return handle;
    });
    const redis = createRedis({ url: bridge.url, token: bridge.token });

    if (options.seedWhenEmpty !== false && !(await isSeeded(pool))) {
      const size = options.seedSize ?? { customers: 50, prospectsPerCustomer: 2000 };
      log(`seeding ${size.customers} customers × ${size.prospectsPerCustomer} prospects…`);
      const seeded = await step('seed', () =>
        seed(pool, { ...size, seed: 42, now: options.now?.() ?? new Date(), redis }),
      );
      log(`seeded ${Object.values(seeded.rows).reduce((a, b) => a + b, 0)} rows`);
    }

    const appConfig: Config = {
      ...config,
      DATABASE_URL: postgres.url,
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
    };
    const app = createApp({ config: appConfig, pool, redis });
    const server = await step('app', () => serveApp(app, { port: config.PORT }));
    stops.push(server.close);

    return {
      config: appConfig,
      urls: {
        app: server.url,
        upstash: bridge.url,
        postgres: redact(postgres.url),
        redis: redisServer.url,
      },
      embedded: { postgres: postgres.embedded, redis: redisServer.embedded },
      pool,
      redis,
      timings,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
