import type pg from 'pg';
import { type Queryable, withTransaction } from '../../adapters/postgres/pool.ts';
import {
  cacheHitRatio,
  DB_HEALTH_DEFAULTS,
  type DbHealthThresholds,
  judgeSeqScans,
  judgeStatement,
  percentOf,
  type StatementMemory,
} from '../../core/db-health.ts';
import {
  finish,
  raiseAndRecord,
  round,
  type RaiseAlert,
  type TickBase,
  unreadFrom,
} from '../shared/tick.ts';

/**
 * Database health: the `supabase inspect db` checks (outliers, role-connections, blocking,
 * long-running-queries, cache-hit, seq-scans, unused-indexes) on the same views, each judged
 * against a threshold (core/db-health.ts). Statement and table counters are cumulative, so the
 * run keeps the last values and a baseline per statement in `db_health_baselines`. Scoped to
 * the current database (on Supabase, `postgres`); connections also against the server limit.
 * Statement text never leaves the database: alerts carry the `queryid` only.
 */
export interface DbHealthDeps {
  db: Queryable;
  raise: RaiseAlert;
  thresholds?: Partial<DbHealthThresholds>;
  /** Diagnosis: judge against the stored memory but do not update it. */
  dryRun?: boolean;
}

export interface DbHealthSummary extends TickBase {
  connections: {
    server: { inUse: number; limit: number };
    database: { inUse: number; limit: number | null };
  } | null;
  slowStatements: Array<{ queryId: string; meanMs: number; baselineMs: number; calls: number }>;
  blocked: Array<{ pid: number; blockingPid: number; waitSeconds: number }>;
  longTransactions: Array<{ pid: number; seconds: number; state: string }>;
  cacheHit: { table: number | null; index: number | null } | null;
  seqScans: Array<{ table: string; seqScans: number; rows: number }>;
  unusedIndexes: Array<{ index: string; bytes: number }>;
}

export async function run(deps: DbHealthDeps, now: Date): Promise<DbHealthSummary> {
  const t = { ...DB_HEALTH_DEFAULTS, ...deps.thresholds };
  const summary: DbHealthSummary = {
    collector: 'db-health',
    at: now.toISOString(),
    status: 'ok',
    unread: [],
    alertsRaised: [],
    metrics: [],
    connections: null,
    slowStatements: [],
    blocked: [],
    longTransactions: [],
    cacheHit: null,
    seqScans: [],
    unusedIndexes: [],
  };
  const step = async (source: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      summary.unread.push(unreadFrom(source, error));
    }
  };
  await step('postgres.pg_stat_activity', () => connections(deps, summary, t, now));
  await step('postgres.pg_locks', () => blocking(deps, summary, t, now));
  await step('postgres.pg_stat_activity.xact', () => longTransactions(deps, summary, t, now));
  await step('postgres.pg_stat_statements', () => statements(deps, summary, t, now));
  await step('postgres.pg_statio', () => cacheHit(deps, summary, t, now));
  await step('postgres.pg_stat_user_tables', () => seqScans(deps, summary, t, now));
  await step('postgres.pg_stat_user_indexes', () => unusedIndexes(deps, summary, t, now));
  return finish(deps, summary, now);
}

type T = DbHealthThresholds;

async function connections(deps: DbHealthDeps, s: DbHealthSummary, t: T, now: Date) {
  const { rows } = await deps.db.query<{
    server: string;
    database: string;
    max: string;
    reserved: string;
    datconnlimit: number;
  }>(
    `select (select count(*) from pg_stat_activity where backend_type = 'client backend') as server,
            (select count(*) from pg_stat_activity
              where backend_type = 'client backend' and datname = current_database()) as database,
            current_setting('max_connections') as max,
            current_setting('superuser_reserved_connections') as reserved,
            (select datconnlimit from pg_database where datname = current_database()) as datconnlimit`,
  );
  const r = rows[0]!;
  const server = { inUse: Number(r.server), limit: Number(r.max) - Number(r.reserved) };
  const database = {
    inUse: Number(r.database),
    limit: r.datconnlimit > 0 ? r.datconnlimit : null,
  };
  s.connections = { server, database };
  s.metrics.push(
    { name: 'vigie_db_connections_in_use', value: server.inUse, labels: { scope: 'server' } },
    { name: 'vigie_db_connections_in_use', value: database.inUse, labels: { scope: 'database' } },
  );
  // The tighter of the two limits decides.
  const candidates = [
    { scope: 'server', ...server },
    ...(database.limit === null
      ? []
      : [{ scope: 'database', inUse: database.inUse, limit: database.limit }]),
  ];
  const worst = candidates.sort(
    (a, b) => percentOf(b.inUse, b.limit) - percentOf(a.inUse, a.limit),
  )[0]!;
  const percent = percentOf(worst.inUse, worst.limit);
  if (percent >= t.connectionsPercent) {
    await raiseAndRecord(
      deps,
      s.alertsRaised,
      'db-connections-exhausted',
      { scope: worst.scope, inUse: worst.inUse, limit: worst.limit, percent },
      now,
    );
  }
}

async function blocking(deps: DbHealthDeps, s: DbHealthSummary, t: T, now: Date) {
  const { rows } = await deps.db.query<{ pid: number; blocking_pid: number; wait_s: number }>(
    `select a.pid, b.pid as blocking_pid,
            extract(epoch from clock_timestamp() - coalesce(a.query_start, a.state_change))::float8 as wait_s
       from pg_stat_activity a
       cross join lateral unnest(pg_blocking_pids(a.pid)) as b(pid)
      where a.datname = current_database() and a.wait_event_type = 'Lock'
        and a.pid <> pg_backend_pid()
      order by wait_s desc
      limit 50`,
  );
  const byBlocker = new Map<number, { pid: number; waitSeconds: number }>();
  for (const r of rows) {
    const waitSeconds = Math.floor(r.wait_s);
    s.blocked.push({ pid: r.pid, blockingPid: r.blocking_pid, waitSeconds });
    const seen = byBlocker.get(r.blocking_pid);
    if (!seen || seen.waitSeconds < waitSeconds)
      byBlocker.set(r.blocking_pid, { pid: r.pid, waitSeconds });
  }
  s.metrics.push({ name: 'vigie_db_sessions_blocked', value: rows.length, labels: {} });
  for (const [blockingPid, w] of byBlocker) {
    if (w.waitSeconds >= t.blockedSeconds) {
      await raiseAndRecord(
        deps,
        s.alertsRaised,
        'db-session-blocked',
        { blockedPid: w.pid, blockingPid, waitSeconds: w.waitSeconds },
        now,
      );
    }
  }
}

async function longTransactions(deps: DbHealthDeps, s: DbHealthSummary, t: T, now: Date) {
  const { rows } = await deps.db.query<{ pid: number; seconds: number; state: string }>(
    `select pid, extract(epoch from clock_timestamp() - xact_start)::float8 as seconds,
            coalesce(state, 'unknown') as state
       from pg_stat_activity
      where datname = current_database() and backend_type = 'client backend'
        and xact_start is not null and pid <> pg_backend_pid()
        and xact_start < clock_timestamp() - make_interval(secs => $1)
      order by xact_start
      limit 20`,
    [t.longTransactionSeconds],
  );
  s.metrics.push({ name: 'vigie_db_long_transactions', value: rows.length, labels: {} });
  for (const r of rows) {
    const seconds = Math.floor(r.seconds);
    const state = r.state.replace(/[^a-z]+/gi, '_');
    s.longTransactions.push({ pid: r.pid, seconds, state });
    await raiseAndRecord(
      deps,
      s.alertsRaised,
      'db-long-transaction',
      { pid: r.pid, seconds, state },
      now,
    );
  }
}

/** Postgres's answers when the extension is missing or not preloaded. */
const NOT_ENABLED = new Set(['42P01', '55000', '42883']);

async function statements(deps: DbHealthDeps, s: DbHealthSummary, t: T, now: Date) {
  const read = await deps.db
    .query<{ queryid: string; calls: string; total: number }>(
      `select queryid::text as queryid, sum(calls)::text as calls, sum(total_exec_time)::float8 as total
       from pg_stat_statements
      where dbid = (select oid from pg_database where datname = current_database())
        and queryid is not null
      group by queryid
      order by sum(total_exec_time) desc
      limit 500`,
    )
    .then(
      (r) => r.rows,
      (error: unknown) => {
        const code = (error as { code?: string }).code ?? '';
        if (!NOT_ENABLED.has(code)) throw error;
        s.unread.push({
          source: 'postgres.pg_stat_statements',
          reason: 'not-enabled',
          message:
            'pg_stat_statements is not enabled: add it to shared_preload_libraries, restart, then `create extension pg_stat_statements`',
        });
        return null;
      },
    );
  if (read === null) return;
  const rows = read;
  const memory = await loadMemory(deps.db, 'statement');
  const updates: Array<[string, StatementMemory]> = [];
  for (const r of rows) {
    const previous = memory.get(r.queryid);
    const verdict = judgeStatement(
      { calls: Number(r.calls), totalMs: r.total },
      previous && {
        calls: previous.calls,
        totalMs: previous.total,
        baselineMs: previous.baseline,
        samples: previous.samples,
      },
      t,
    );
    updates.push([r.queryid, verdict.next]);
    if (verdict.slow && verdict.intervalMeanMs !== null) {
      const entry = {
        // Alert labels start with a letter or digit; a queryid may be negative.
        queryId: `q${r.queryid}`,
        meanMs: round(verdict.intervalMeanMs, 1),
        baselineMs: round(previous?.baseline ?? 0, 1),
        calls: verdict.intervalCalls,
      };
      s.slowStatements.push(entry);
      await raiseAndRecord(deps, s.alertsRaised, 'db-slow-statement', entry, now);
    }
  }
  await saveMemory(
    deps.db,
    'statement',
    updates.map(([key, m]) => ({
      key,
      calls: m.calls,
      total: m.totalMs,
      baseline: m.baselineMs,
      samples: m.samples,
    })),
    now,
    deps.dryRun,
  );
  s.metrics.push({ name: 'vigie_db_slow_statements', value: s.slowStatements.length, labels: {} });
}

async function cacheHit(deps: DbHealthDeps, s: DbHealthSummary, t: T, now: Date) {
  const { rows } = await deps.db.query<{ th: string; tr: string; ih: string; ir: string }>(
    `select (select coalesce(sum(heap_blks_hit), 0) from pg_statio_user_tables)::text as th,
            (select coalesce(sum(heap_blks_read), 0) from pg_statio_user_tables)::text as tr,
            (select coalesce(sum(idx_blks_hit), 0) from pg_statio_user_indexes)::text as ih,
            (select coalesce(sum(idx_blks_read), 0) from pg_statio_user_indexes)::text as ir`,
  );
  const r = rows[0]!;
  const table = cacheHitRatio(Number(r.th), Number(r.tr), t);
  const index = cacheHitRatio(Number(r.ih), Number(r.ir), t);
  s.cacheHit = { table, index };
  for (const [kind, ratio] of [
    ['table', table],
    ['index', index],
  ] as const) {
    if (ratio === null) continue;
    s.metrics.push({ name: 'vigie_db_cache_hit_ratio', value: ratio, labels: { kind } });
    if (ratio < t.cacheHitMin) {
      await raiseAndRecord(
        deps,
        s.alertsRaised,
        'db-cache-hit-low',
        { kind, percent: round(ratio * 100, 2) },
        now,
      );
    }
  }
}

async function seqScans(deps: DbHealthDeps, s: DbHealthSummary, t: T, now: Date) {
  const { rows } = await deps.db.query<{ name: string; seq: string; idx: string; live: string }>(
    `select schemaname || '.' || relname as name, seq_scan::text as seq,
            coalesce(idx_scan, 0)::text as idx, n_live_tup::text as live
       from pg_stat_user_tables
      order by n_live_tup desc
      limit 200`,
  );
  const memory = await loadMemory(deps.db, 'table');
  const updates = [];
  for (const r of rows) {
    const previous = memory.get(r.name);
    const current = { seqScan: Number(r.seq), idxScan: Number(r.idx), liveRows: Number(r.live) };
    const verdict = judgeSeqScans(
      current,
      previous && { seqScan: previous.calls, idxScan: previous.total },
      t,
    );
    updates.push({
      key: r.name,
      calls: current.seqScan,
      total: current.idxScan,
      baseline: null,
      samples: 0,
    });
    if (verdict.heavy) {
      const entry = { table: r.name, seqScans: verdict.seqScans, rows: current.liveRows };
      s.seqScans.push(entry);
      await raiseAndRecord(deps, s.alertsRaised, 'db-seq-scan-heavy', entry, now);
    }
  }
  await saveMemory(deps.db, 'table', updates, now, deps.dryRun);
}

/**
 * `pg_relation_size` takes an AccessShareLock on the index's table: behind a session holding
 * an ACCESS EXCLUSIVE lock (the very thing `blocking` reports) it waited, and the whole run
 * with it (seen on a full-size game day: no later run, so no `db-session-blocked`). Tables
 * with an ACCESS EXCLUSIVE lock held or queued are left out of this run, and the read gives up
 * after a second rather than wait on a lock taken in between.
 */
async function unusedIndexes(deps: DbHealthDeps, s: DbHealthSummary, t: T, now: Date) {
  const sql = `select s.schemaname || '.' || s.indexrelname as name,
            pg_relation_size(s.indexrelid)::text as bytes
       from pg_stat_user_indexes s
       join pg_index i on i.indexrelid = s.indexrelid
      where s.idx_scan = 0 and not i.indisunique and not i.indisprimary
        and not exists (select 1 from pg_locks l
                         where l.locktype = 'relation' and l.relation = i.indrelid
                           and l.mode = 'AccessExclusiveLock')
        and pg_relation_size(s.indexrelid) >= $1
      order by pg_relation_size(s.indexrelid) desc
      limit 20`;
  const params = [t.unusedIndexMinBytes];
  type Row = { name: string; bytes: string };
  const db = deps.db;
  const { rows } =
    'connect' in db && typeof db.connect === 'function'
      ? await withTransaction(db as pg.Pool, async (client) => {
          await client.query(`set local lock_timeout = '1s'`);
          return client.query<Row>(sql, params);
        })
      : await db.query<Row>(sql, params);
  s.unusedIndexes = rows.map((r) => ({ index: r.name, bytes: Number(r.bytes) }));
  s.metrics.push({ name: 'vigie_db_unused_indexes', value: rows.length, labels: {} });
  // Recorded, not routed (info): the five largest, so the outbox does not fill with them.
  for (const r of s.unusedIndexes.slice(0, 5)) {
    await raiseAndRecord(
      deps,
      s.alertsRaised,
      'db-index-unused',
      { index: r.index, sizeMb: round(r.bytes / 1_048_576, 1) },
      now,
    );
  }
}

interface Memory {
  calls: number;
  total: number;
  baseline: number | null;
  samples: number;
}

async function loadMemory(
  db: Queryable,
  kind: 'statement' | 'table',
): Promise<Map<string, Memory>> {
  const { rows } = await db.query<Memory & { key: string }>(
    `select key, calls, total, baseline, samples from public.db_health_baselines where kind = $1`,
    [kind],
  );
  return new Map(rows.map((r) => [r.key, r]));
}

async function saveMemory(
  db: Queryable,
  kind: 'statement' | 'table',
  entries: Array<{
    key: string;
    calls: number;
    total: number;
    baseline: number | null;
    samples: number;
  }>,
  now: Date,
  dryRun = false,
): Promise<void> {
  if (entries.length === 0 || dryRun) return;
  await db.query(
    `insert into public.db_health_baselines (kind, key, calls, total, baseline, samples, updated_at)
     select $1, u.key, u.calls, u.total, u.baseline, u.samples, $7::timestamptz
       from unnest($2::text[], $3::float8[], $4::float8[], $5::float8[], $6::int[])
         as u(key, calls, total, baseline, samples)
     on conflict (kind, key) do update
       set calls = excluded.calls, total = excluded.total, baseline = excluded.baseline,
           samples = excluded.samples, updated_at = excluded.updated_at`,
    [
      kind,
      entries.map((e) => e.key),
      entries.map((e) => e.calls),
      entries.map((e) => e.total),
      entries.map((e) => e.baseline),
      entries.map((e) => e.samples),
      now,
    ],
  );
}
