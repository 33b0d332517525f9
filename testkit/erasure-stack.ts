/**
 * Everything an erasure touches, on loopback, for the erasure tests and the erasure benchmark:
 * a fresh migrated and seeded Postgres database, the Upstash bridge over the local Redis (its
 * own database index, random seed so ids never collide with other test files), the n8n
 * stand-in reporting to the execution ledger, the Supabase Auth stand-in, and the app.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Hono } from 'hono';
import type { Redis } from '@upstash/redis';
import { createApp } from '../api/app.ts';
import type { ErasureOptions } from '../api/routes/erasure.ts';
import { type N8nClient, createN8nClient } from '../adapters/n8n/client.ts';
import { enableAppLogin } from '../adapters/postgres/app-role.ts';
import { migrate } from '../adapters/postgres/migrate.ts';
import { type Pool, createPool } from '../adapters/postgres/pool.ts';
import { seed } from '../adapters/postgres/seed.ts';
import type { ErasureDeps } from '../adapters/privacy/erasure.ts';
import { recordExecution } from '../adapters/privacy/ledger.ts';
import { createRedis } from '../adapters/upstash/client.ts';
import { type Config, parseConfig } from '../core/config.ts';
import { parseKeyring } from '../core/privacy/keyring.ts';
import { prospectKeys, redisKeys } from '../core/redis-keys.ts';
import { type ReceiptSigner, receiptSignerFrom } from '../core/privacy/receipt.ts';
import { type N8nStandIn, startN8nStandIn } from '../sandbox/n8n/stand-in.ts';
import {
  type SupabaseAuthStandIn,
  startSupabaseAuthStandIn,
} from '../sandbox/supabase-auth/stand-in.ts';
import { type UpstashBridge, startUpstashBridge } from '../sandbox/upstash/bridge.ts';
import { createTestDatabase } from './pg.ts';
import { testRedisUrl } from './redis.ts';

/** A Redis database index of its own, so erasure runs never touch other suites' keys. */
const REDIS_URL = process.env.TEST_ERASURE_REDIS_URL ?? testRedisUrl(13);

export interface ErasureStack {
  config: Config;
  /** The settings an app in another process needs to reach this stack. */
  env: Record<string, string>;
  /** The tables' owner: for test setup and checks. */
  pool: Pool;
  /** `vigie_app`, the least-privilege role the app and `deps()` run as. */
  appPool: Pool;
  redis: Redis;
  bridge: UpstashBridge;
  n8n: N8nStandIn;
  n8nClient: N8nClient;
  auth: SupabaseAuthStandIn;
  signer: ReceiptSigner;
  app: Hono;
  /** Deps for calling the verb directly. */
  deps(now: Date, extra?: Partial<ErasureDeps>): ErasureDeps;
  token(userId: string): Promise<string>;
  /** Runs the n8n scrape-and-enrich workflow on these prospects (their data lands in n8n). */
  runWorkflow(userId: string, prospectIds: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function startErasureStack(options: {
  customers: number;
  prospectsPerCustomer: number;
  now: Date;
  erasure?: ErasureOptions;
  poolMax?: number;
  /** More customers, one per entry, each with that many prospects (a large tenant). */
  largeTenants?: number[];
}): Promise<ErasureStack> {
  const db = await createTestDatabase('vigie_erase');
  const pool = createPool(db.url, { max: options.poolMax ?? 10 });
  await migrate(pool);
  // The app runs as production's least-privilege role; setup and checks use the owner's pool.
  const appUrl = await enableAppLogin(pool, db.url, 'vigie-test-app');
  const appPool = createPool(appUrl, { max: options.poolMax ?? 10 });
  const token = randomBytes(16).toString('hex');
  const bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token });
  // No client-side retries: a bridge outage must show up at once, as an HTTP 503 would.
  const redis = createRedis({ url: bridge.url, token, retries: 0 });
  await seed(pool, {
    customers: options.customers,
    prospectsPerCustomer: options.prospectsPerCustomer,
    seed: randomInt(1, 2 ** 31),
    now: options.now,
    redis,
  });
  for (const prospects of options.largeTenants ?? []) {
    await seed(pool, {
      customers: 1,
      prospectsPerCustomer: prospects,
      seed: randomInt(1, 2 ** 31),
      now: options.now,
      redis,
      addCustomers: true,
    });
  }
  const n8nKey = randomBytes(16).toString('hex');
  const n8n = await startN8nStandIn({ apiKey: n8nKey });
  // The workflow's first node reports to the ledger (in-process here; POST /hooks/n8n/ledger in prod).
  n8n.onExecution(async (report) => {
    await recordExecution(pool, report, new Date());
  });
  const n8nClient = createN8nClient({ baseUrl: n8n.url, apiKey: n8nKey, timeoutMs: 2_000 });
  const auth = await startSupabaseAuthStandIn({ stateDir: 'memory' });
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    VIGIE_STAGE: 'local',
    SUPABASE_JWKS_URL: auth.jwksUrl,
    SUPABASE_JWT_ISSUER: auth.issuer,
    SUPPRESSION_HMAC_KEYS: `k1:${randomBytes(32).toString('hex')}`,
    SUBJECT_SEAL_KEYS: `s1:${randomBytes(32).toString('hex')}`,
    RECEIPT_SIGNING_KEY: randomBytes(32).toString('hex'),
    N8N_BASE_URL: n8n.url,
    N8N_API_KEY: n8nKey,
    N8N_HOOK_SECRET: randomBytes(16).toString('hex'),
  };
  const config = parseConfig(env);
  Object.assign(env, {
    DATABASE_URL: appUrl,
    DATABASE_MIGRATION_URL: db.url,
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: token,
  });
  const signer = receiptSignerFrom(config.RECEIPT_SIGNING_KEY as string);
  const app = createApp({
    config,
    pool: appPool,
    redis,
    n8n: n8nClient,
    erasure: { receiptSigner: signer, ...options.erasure },
  });

  return {
    config,
    env,
    pool,
    appPool,
    redis,
    bridge,
    n8n,
    n8nClient,
    auth,
    signer,
    app,
    deps: (now, extra = {}) => ({
      pool: appPool,
      redis,
      n8n: n8nClient,
      keys: {
        suppressionHmacKey: parseKeyring(config.SUPPRESSION_HMAC_KEYS as string),
        subjectSealKeys: parseKeyring(config.SUBJECT_SEAL_KEYS as string),
        receiptSigner: signer,
      },
      now,
      ...extra,
    }),
    token: (userId) => auth.signToken({ userId }),
    async runWorkflow(userId, prospectIds) {
      const { rows } = await pool.query(
        `select id, full_name, email, linkedin_url, company from public.prospects where id = any($1::uuid[])`,
        [prospectIds],
      );
      const response = await fetch(`${n8n.url}/webhook/scrape-and-enrich`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId, prospects: rows }),
      });
      const body = (await response.json()) as { executionId: string };
      return body.executionId;
    },
    async close() {
      // The seed's Redis keys go with the database: nothing accumulates across runs.
      await removeSeededKeys(pool, redis).catch(() => {});
      await Promise.allSettled([n8n.close(), auth.close(), bridge.close()]);
      await appPool.end();
      await pool.end();
      await db.drop();
    },
  };
}

async function removeSeededKeys(pool: Pool, redis: Redis): Promise<void> {
  const { rows } = await pool.query<{ id: string; linkedin_url: string | null }>(
    `select id, linkedin_url from public.prospects`,
  );
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500);
    const read = redis.pipeline();
    for (const r of batch) read.smembers(redisKeys.prospectEmailJobs(r.id));
    const jobs = ((await read.exec()) as unknown[][]).flat().map(String);
    const keys = batch.flatMap(
      (r) => prospectKeys({ id: r.id, linkedinUrl: r.linkedin_url }).direct,
    );
    const del = redis.pipeline();
    for (const key of [...keys, ...jobs.map(redisKeys.emailJob)]) del.unlink(key);
    if (jobs.length > 0) del.zrem(redisKeys.emailQueue, ...(jobs as [string, ...string[]]));
    await del.exec();
  }
}
