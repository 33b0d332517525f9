import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { VigieError } from '../../core/errors.ts';
import type { Queryable } from '../postgres/pool.ts';
import { auditAction } from './audit.ts';

/**
 * Database runbook actions: cancel or terminate a backend (`pg_cancel_backend` /
 * `pg_terminate_backend`), end sessions idle in a transaction, and recreate the indexes the
 * migrations define when one is missing. Scoped to the current database, audited, idempotent.
 */
export interface BackendResult {
  pid: number;
  found: boolean;
  done: boolean;
  action: 'cancel' | 'terminate';
}

export function checkPid(value: string): number {
  const pid = Number(value);
  if (!/^\d{1,10}$/.test(value) || !Number.isSafeInteger(pid) || pid <= 0) {
    throw new VigieError(
      'BAD_REQUEST',
      `A backend pid is a positive integer (got "${value.slice(0, 30)}").`,
    );
  }
  return pid;
}

export async function stopBackend(
  db: Queryable,
  pid: number,
  options: { terminate: boolean; now: Date },
): Promise<BackendResult> {
  const action = options.terminate ? 'terminate' : 'cancel';
  const { rows } = await db.query<{ done: boolean | null }>(
    `select case when $2 then pg_terminate_backend(pid) else pg_cancel_backend(pid) end as done
       from pg_stat_activity
      where pid = $1 and datname = current_database() and pid <> pg_backend_pid()`,
    [pid, options.terminate],
  );
  if (rows.length === 0) return { pid, found: false, done: false, action };
  const done = rows[0]!.done === true;
  if (done) {
    await auditAction(db, {
      action: `runbook.db_${action}`,
      userId: null,
      subject: `pid:${pid}`,
      at: options.now,
    });
  }
  return { pid, found: true, done, action };
}

/** Ends every session of this database idle in a transaction for longer than `olderThanSeconds`. */
export async function stopIdleInTransaction(
  db: Queryable,
  options: { terminate: boolean; olderThanSeconds: number; now: Date },
): Promise<BackendResult[]> {
  const { rows } = await db.query<{ pid: number }>(
    `select pid from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid()
        and state in ('idle in transaction', 'idle in transaction (aborted)')
        and state_change < clock_timestamp() - make_interval(secs => $1)`,
    [options.olderThanSeconds],
  );
  const results: BackendResult[] = [];
  for (const { pid } of rows) results.push(await stopBackend(db, pid, options));
  return results;
}

export interface MigrationIndex {
  name: string;
  statement: string;
  file: string;
}

/** `create [unique] index if not exists` statements of the migrations, minus later drops. */
export async function migrationIndexes(dir: string): Promise<MigrationIndex[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{14}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const indexes = new Map<string, MigrationIndex>();
  for (const file of files) {
    const sql = (await readFile(path.join(dir, file), 'utf8')).replace(/--[^\n]*/g, '');
    const statements = sql.split(';');
    for (const raw of statements) {
      const statement = raw.trim();
      const created = /^create\s+(unique\s+)?index\s+if\s+not\s+exists\s+([a-z0-9_]+)\s+on\s/i.exec(
        statement,
      );
      if (created)
        indexes.set(created[2]!.toLowerCase(), {
          name: created[2]!.toLowerCase(),
          statement,
          file,
        });
      const dropped = /^drop\s+index\s+(if\s+exists\s+)?(?:[a-z0-9_]+\.)?([a-z0-9_]+)/i.exec(
        statement,
      );
      if (dropped) indexes.delete(dropped[2]!.toLowerCase());
    }
  }
  return [...indexes.values()];
}

/** Recreates each migration index missing from the database. Idempotent by construction. */
export async function restoreIndexes(
  db: Queryable,
  dir: string,
  now: Date,
): Promise<{ checked: number; restored: string[] }> {
  const wanted = await migrationIndexes(dir);
  const { rows } = await db.query<{ name: string }>(
    `select indexname as name from pg_indexes where schemaname not in ('pg_catalog', 'information_schema')`,
  );
  const present = new Set(rows.map((r) => r.name));
  const restored: string[] = [];
  for (const index of wanted) {
    if (present.has(index.name)) continue;
    // The statement is the migration's own text (`if not exists`): run as the migration ran.
    await db.query(index.statement);
    await auditAction(db, {
      action: 'runbook.db_restore_index',
      userId: null,
      subject: `index:${index.name}`,
      at: now,
    });
    restored.push(index.name);
  }
  return { checked: wanted.length, restored };
}
