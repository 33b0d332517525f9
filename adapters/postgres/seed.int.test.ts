import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUpstashBridge, type UpstashBridge } from '../../sandbox/upstash/bridge.ts';
import { testRedisUrl } from '../../testkit/redis.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { redisKeys } from '../../core/redis-keys.ts';
import { generateSeed, SEED_TABLE_ORDER } from '../../core/seed/generate.ts';
import { createRedis } from '../upstash/client.ts';
import { migrate } from './migrate.ts';
import { createPool, type Pool } from './pool.ts';
import { isSeeded, seed } from './seed.ts';

// Redis keys follow the app's fixed layout (`app:…`); a seed number used by no other test
// file makes every id unique to this file, and afterAll deletes exactly the keys written.
const OPTIONS = {
  customers: 3,
  prospectsPerCustomer: 120,
  seed: 90_211,
  now: new Date('2026-11-26T09:00:00Z'),
};
const TABLE_NAMES: Record<string, string> = { auth_users: 'auth.users' };

let db: TestDatabase;
let pool: Pool;
let bridge: UpstashBridge;
const expected = [...generateSeed(OPTIONS)];

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  bridge = await startUpstashBridge({
    redisUrl: testRedisUrl(),
    token: 'seed-test-token',
  });
});

afterAll(async () => {
  const redis = createRedis({ url: bridge.url, token: bridge.token });
  const keys = expected.flatMap((c) => [
    ...c.redis.emailJobs.flatMap((j) => [
      redisKeys.emailJob(j.jobId),
      redisKeys.prospectEmailJobs(j.prospectId),
    ]),
    ...c.redis.enrichments.map((e) => redisKeys.enrichment(e.prospectId)),
    ...c.redis.dedup.map((d) => redisKeys.linkedinDedup(d.linkedinUrl)),
  ]);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  const jobIds = expected.flatMap((c) => c.redis.emailJobs.map((j) => j.jobId));
  if (jobIds.length > 0) await redis.zrem(redisKeys.emailQueue, ...jobIds);
  await bridge.close();
  await pool.end();
  await db.drop();
});

describe('seed', () => {
  it('refuses bad options and changes nothing', async () => {
    await expect(seed(pool, { ...OPTIONS, customers: -2 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect(await isSeeded(pool)).toBe(false);
  });

  it('inserts exactly the generated rows and the Redis keys', async () => {
    const redis = createRedis({ url: bridge.url, token: bridge.token });
    const result = await seed(pool, { ...OPTIONS, redis });
    for (const table of SEED_TABLE_ORDER) {
      const n = expected.reduce((sum, c) => sum + c.tables[table].length, 0);
      expect([table, result.rows[table]]).toEqual([table, n]);
      const inDb = await pool.query<{ n: string }>(
        `select count(*) as n from ${TABLE_NAMES[table] ?? `public.${table}`}`,
      );
      expect([table, Number(inDb.rows[0]?.n)]).toEqual([table, n]);
    }
    expect(result.rows.prospects).toBe(360);
    expect(await isSeeded(pool)).toBe(true);

    const job = expected.flatMap((c) => c.redis.emailJobs)[0];
    expect(job).toBeDefined();
    if (job) {
      expect(await redis.hget(redisKeys.emailJob(job.jobId), 'prospect_id')).toBe(job.prospectId);
      expect(await redis.sismember(redisKeys.prospectEmailJobs(job.prospectId), job.jobId)).toBe(1);
      expect(Number(await redis.zscore(redisKeys.emailQueue, job.jobId))).toBe(job.dueAt);
    }
    const enrichment = expected.flatMap((c) => c.redis.enrichments)[0];
    if (enrichment) {
      expect(await redis.get(redisKeys.enrichment(enrichment.prospectId))).toBe(enrichment.json);
      expect(await redis.ttl(redisKeys.enrichment(enrichment.prospectId))).toBeGreaterThan(0);
    }
  });

  it('stores the same rows as generated (deterministic end to end)', async () => {
    const first = expected[0]?.tables.prospects[0];
    const row = await pool.query(
      'select full_name, status, linkedin_url from public.prospects where id = $1',
      [first?.id],
    );
    expect(row.rows[0]).toEqual({
      full_name: first?.full_name,
      status: first?.status,
      linkedin_url: first?.linkedin_url,
    });
  });

  it('refuses to seed twice', async () => {
    await expect(seed(pool, OPTIONS)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses an unmigrated database, saying to migrate first', async () => {
    const empty = await createTestDatabase();
    const p = createPool(empty.url, { max: 1 });
    try {
      await expect(seed(p, OPTIONS)).rejects.toThrow(/vigie migrate/);
      expect(await isSeeded(p)).toBe(false);
    } finally {
      await p.end();
      await empty.drop();
    }
  });
});
