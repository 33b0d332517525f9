import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { raise } from '../../adapters/alerts/outbox.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { run } from './run.ts';

// Real Postgres: real sessions holding real locks, real statistics views. pg_stat_statements
// needs `shared_preload_libraries` (CI's `.ci/run` and local staging set it); where the server
// lacks it, the collector must say so rather than report "no slow statements".
const NOW = new Date('2026-11-30T10:00:00Z');

let db: TestDatabase;
let pool: pg.Pool;
let statementsEnabled = false;

const outbox = async (alertId: string) =>
  (
    await pool.query<{ labels: Record<string, unknown> }>(
      'select labels from alert_outbox where alert_id = $1 order by id',
      [alertId],
    )
  ).rows.map((r) => r.labels);

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  c.on('error', () => {});
  return c;
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  const { rows } = await pool.query<{ libs: string }>(
    `select current_setting('shared_preload_libraries') as libs`,
  );
  // The migration created the extension; reading it needs the library preloaded.
  statementsEnabled = rows[0]!.libs.includes('pg_stat_statements');
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

beforeEach(async () => {
  await pool.query('truncate alert_outbox restart identity cascade');
});

/**
 * A session that takes `table` ACCESS EXCLUSIVE in an open transaction and a second session
 * queued behind it, held for more than a second; `release` rolls back and closes both.
 */
async function holdLock(table: string) {
  const holder = await client();
  const waiter = await client();
  const holderPid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!
    .pid;
  await holder.query('begin');
  await holder.query(`lock table public.${table} in access exclusive mode`);
  const blocked = waiter.query(`select count(*) from public.${table}`).catch(() => null);
  await new Promise((r) => setTimeout(r, 1_200));
  let released = false;
  return {
    holderPid,
    async release() {
      if (released) return;
      released = true;
      await holder.query('rollback');
      await blocked;
      await holder.end();
      await waiter.end();
    },
  };
}

describe('db-health collector', () => {
  it('a session holding a lock: the blocked session and the long transaction are named', async () => {
    await pool.query('create table if not exists public.drill_lock (id int primary key)');
    const lock = await holdLock('drill_lock');
    try {
      const summary = await run(
        { db: pool, raise, thresholds: { blockedSeconds: 1, longTransactionSeconds: 1 } },
        NOW,
      );

      expect(summary.blocked).toContainEqual(
        expect.objectContaining({ blockingPid: lock.holderPid }),
      );
      expect(await outbox('db-session-blocked')).toEqual([
        expect.objectContaining({ blockingPid: lock.holderPid }),
      ]);
      expect((await outbox('db-long-transaction')).map((l) => l.pid)).toContain(lock.holderPid);
      await lock.release();
      const after = await run(
        { db: pool, raise, thresholds: { blockedSeconds: 1, longTransactionSeconds: 1 } },
        NOW,
      );
      expect(after.blocked).toEqual([]);
    } finally {
      await lock.release();
    }
  });

  it('a table held ACCESS EXCLUSIVE with a large unused index: the run reads around the lock', async () => {
    // The full-size game day's case: the run must not wait on the lock it reports (a size
    // read through pg_relation_size queued behind it and hung the run).
    await pool.query('create table if not exists public.drill_big (id int primary key, v int)');
    await pool.query('insert into public.drill_big select g, g from generate_series(1, 100000) g');
    await pool.query('create index if not exists drill_big_v on public.drill_big (v)');
    const lock = await holdLock('drill_big');
    try {
      let timer: NodeJS.Timeout | undefined;
      const summary = await Promise.race([
        run({ db: pool, raise, thresholds: { blockedSeconds: 1 } }, NOW),
        new Promise<'hung'>((r) => {
          timer = setTimeout(() => r('hung'), 20_000);
        }),
      ]);
      clearTimeout(timer);
      await lock.release();
      expect(summary).not.toBe('hung');
      if (summary === 'hung') return;
      expect(summary.unread).toEqual([]);
      expect(await outbox('db-session-blocked')).toEqual([
        expect.objectContaining({ blockingPid: lock.holderPid }),
      ]);
      // The locked table's index is left for a later run; once the lock is gone it is there.
      expect(summary.unusedIndexes.map((i) => i.index)).not.toContain('public.drill_big_v');
      const after = await run({ db: pool, raise }, NOW);
      const big = after.unusedIndexes.find((i) => i.index === 'public.drill_big_v');
      expect(big?.bytes).toBeGreaterThanOrEqual(1_048_576);
    } finally {
      await lock.release();
      await pool.query('drop table if exists public.drill_big');
    }
  }, 60_000);

  it('connections near the database limit raise db-connections-exhausted', async () => {
    await pool.query(`alter database ${db.name} connection limit 5`);
    const held = [await client(), await client(), await client()];
    try {
      const summary = await run({ db: pool, raise }, NOW);
      // The collector's own connection plus the three held: 4 of 5.
      expect(summary.connections?.database).toEqual({ inUse: 4, limit: 5 });
      expect(await outbox('db-connections-exhausted')).toEqual([
        { scope: 'database', inUse: 4, limit: 5, percent: 80 },
      ]);
    } finally {
      for (const c of held) await c.end();
      await pool.query(`alter database ${db.name} connection limit -1`);
    }
  });

  it('sequential scans on a big table since the last run (a dropped index) raise db-seq-scan-heavy', async () => {
    await pool.query(
      `create table public.drill_big as select g as id, g % 100 as v from generate_series(1, 5000) g`,
    );
    await pool.query('create index drill_big_v on public.drill_big (v)');
    await pool.query('analyze public.drill_big');
    const thresholds = { bigTableRows: 1_000, seqScanMin: 5 };
    const scans = async (n: number) => {
      const c = await client();
      try {
        for (let i = 0; i < n; i++)
          await c.query('select count(*) from public.drill_big where v = $1', [i]);
        await c.query('select pg_stat_force_next_flush()');
      } finally {
        await c.end();
      }
    };
    await scans(1);
    await run({ db: pool, raise, thresholds }, NOW);
    await scans(10);
    const indexed = await run({ db: pool, raise, thresholds }, NOW);
    expect(indexed.seqScans).toEqual([]);

    await pool.query('drop index public.drill_big_v');
    await scans(10);
    const summary = await run({ db: pool, raise, thresholds }, NOW);
    // n_live_tup is the statistics' estimate, not an exact count.
    expect(summary.seqScans).toEqual([
      { table: 'public.drill_big', seqScans: expect.any(Number), rows: expect.any(Number) },
    ]);
    expect(summary.seqScans[0]!.seqScans).toBeGreaterThanOrEqual(10);
    expect(summary.seqScans[0]!.rows).toBeGreaterThanOrEqual(5000);
    expect(await outbox('db-seq-scan-heavy')).toHaveLength(1);
  });

  it('slow statements are judged against their own baseline (or pg_stat_statements is reported missing)', async () => {
    const call = async (seconds: number, n: number) => {
      for (let i = 0; i < n; i++) await pool.query('select pg_sleep($1)', [seconds]);
    };
    if (!statementsEnabled) {
      const summary = await run({ db: pool, raise }, NOW);
      expect(summary.status).toBe('degraded');
      expect(summary.unread).toContainEqual(
        expect.objectContaining({ source: 'postgres.pg_stat_statements', reason: 'not-enabled' }),
      );
      expect(await outbox('collector-degraded')).toEqual([
        { collector: 'db-health', source: 'postgres.pg_stat_statements', errorCode: 'not-enabled' },
      ]);
      return;
    }
    for (let i = 0; i < 4; i++) {
      await call(0.001, 5);
      const quiet = await run({ db: pool, raise }, NOW);
      expect(quiet.slowStatements).toEqual([]);
    }
    await call(0.15, 5);
    const summary = await run({ db: pool, raise }, NOW);
    expect(summary.slowStatements).toHaveLength(1);
    expect(summary.slowStatements[0]!.meanMs).toBeGreaterThanOrEqual(150);
    expect(summary.unread).toEqual([]);
    expect(await outbox('db-slow-statement')).toEqual([
      expect.objectContaining({ queryId: expect.stringMatching(/^q-?\d+$/) }),
    ]);
  });

  it('a dry run reads without moving the stored counters', async () => {
    const before = await pool.query(
      'select kind, key, calls, total from public.db_health_baselines order by 1, 2',
    );
    await pool.query('select count(*) from public.alert_outbox');
    await run({ db: pool, raise: async () => undefined, dryRun: true }, NOW);
    const after = await pool.query(
      'select kind, key, calls, total from public.db_health_baselines order by 1, 2',
    );
    expect(after.rows).toEqual(before.rows);
  });
});
