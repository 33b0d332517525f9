import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VigieError } from '../../core/errors.ts';
import { withTransaction, type Pool, type Queryable } from './pool.ts';

/** `migrations/` at the repository root. */
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const FILE_NAME = /^(\d{14})_([a-z0-9_]+)\.sql$/;

/**
 * Serialises runners. A transaction-scoped lock (taken in every migration transaction) rather
 * than a session lock, because Supavisor's transaction mode keeps no session state.
 */
const LOCK_SQL = `select pg_advisory_xact_lock(hashtext('vigie.migrate'))`;

/**
 * The history table exactly as the Supabase CLI creates it (`supabase db push` /
 * `migration list` read it): version = the 14-digit prefix, name = the rest, statements = SQL.
 */
const HISTORY_SQL = `
create schema if not exists supabase_migrations;
create table if not exists supabase_migrations.schema_migrations (version text not null primary key);
alter table supabase_migrations.schema_migrations add column if not exists statements text[];
alter table supabase_migrations.schema_migrations add column if not exists name text;`;

export interface MigrationFile {
  version: string;
  name: string;
  file: string;
  sql: string;
}

export type MigrationState = 'applied' | 'pending' | 'changed' | 'missing-file';

export interface MigrationStatusEntry {
  version: string;
  name: string | null;
  /** File name; null when the version is recorded but no file has it (applied elsewhere). */
  file: string | null;
  state: MigrationState;
}

export interface MigrateOptions {
  dir?: string;
}

/** Reads `dir`, refusing any `.sql` file whose name does not follow `<14 digits>_<name>.sql`. */
export async function readMigrations(dir = DEFAULT_MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const bad = names.filter((n) => !FILE_NAME.test(n));
  if (bad.length > 0) {
    throw new VigieError(
      'BAD_REQUEST',
      `Migration file name${bad.length === 1 ? '' : 's'} not valid in ${dir}: ${bad.join(', ')}. Expected <yyyymmddhhmmss>_<lowercase_name>.sql, e.g. 20261126000000_create_prospects.sql.`,
      { details: { files: bad } },
    );
  }
  const files: MigrationFile[] = [];
  const seen = new Map<string, string>();
  for (const file of names) {
    const [, version = '', name = ''] = FILE_NAME.exec(file) ?? [];
    const other = seen.get(version);
    if (other) {
      throw new VigieError(
        'BAD_REQUEST',
        `Migrations ${other} and ${file} share the version ${version}: give one a later timestamp.`,
        { details: { files: [other, file] } },
      );
    }
    seen.set(version, file);
    files.push({ version, name, file, sql: await readFile(join(dir, file), 'utf8') });
  }
  return files;
}

interface HistoryRow {
  version: string;
  name: string | null;
  statements: string[] | null;
}

async function readHistory(db: Queryable): Promise<Map<string, HistoryRow>> {
  const exists = await db.query<{ t: string | null }>(
    `select to_regclass('supabase_migrations.schema_migrations')::text as t`,
  );
  if (!exists.rows[0]?.t) return new Map();
  const result = await db.query<HistoryRow>(
    'select version, name, statements from supabase_migrations.schema_migrations order by version',
  );
  return new Map(result.rows.map((r) => [r.version, r]));
}

/**
 * Whether a recorded migration still matches its file. We record the whole file as one
 * statement; the Supabase CLI records it split into statements, so for those compare without
 * whitespace and semicolons. A row with no statements (`supabase migration repair`) cannot be
 * compared and counts as unchanged.
 */
function matches(row: HistoryRow, sql: string): boolean {
  if (!row.statements || row.statements.length === 0) return true;
  if (row.statements.length === 1 && row.statements[0] === sql) return true;
  const squash = (s: string) => s.replace(/[\s;]+/g, '');
  return squash(row.statements.join('')) === squash(sql);
}

function classify(
  files: MigrationFile[],
  history: Map<string, HistoryRow>,
): MigrationStatusEntry[] {
  const entries: MigrationStatusEntry[] = files.map((f) => {
    const row = history.get(f.version);
    const state: MigrationState = !row ? 'pending' : matches(row, f.sql) ? 'applied' : 'changed';
    return { version: f.version, name: f.name, file: f.file, state };
  });
  const known = new Set(files.map((f) => f.version));
  for (const row of history.values()) {
    if (!known.has(row.version)) {
      entries.push({ version: row.version, name: row.name, file: null, state: 'missing-file' });
    }
  }
  return entries.sort((a, b) => a.version.localeCompare(b.version));
}

/** Every migration file and recorded version with its state; reads only. */
export async function migrationStatus(
  pool: Queryable,
  options: MigrateOptions = {},
): Promise<MigrationStatusEntry[]> {
  const files = await readMigrations(options.dir);
  return classify(files, await readHistory(pool));
}

/**
 * Applies pending migrations in name order, each in its own transaction, recording each in
 * `supabase_migrations.schema_migrations`. Refuses to apply anything if an applied file has
 * changed. Safe to run concurrently with another runner, and a no-op when nothing is pending.
 */
export async function migrate(
  pool: Pool,
  options: MigrateOptions = {},
): Promise<{ applied: string[]; skipped: number }> {
  const files = await readMigrations(options.dir);
  await withTransaction(pool, async (client) => {
    await client.query(LOCK_SQL);
    await client.query(HISTORY_SQL);
  });

  const changed = classify(files, await readHistory(pool)).filter((e) => e.state === 'changed');
  if (changed.length > 0) {
    const list = changed.map((e) => e.file).join(', ');
    throw new VigieError(
      'MIGRATION_CHANGED',
      `Applied migration${changed.length === 1 ? '' : 's'} changed since being applied: ${list}. Nothing was applied. Restore the file${changed.length === 1 ? '' : 's'} as applied and add a new migration for the change instead.`,
      { details: { files: changed.map((e) => e.file) } },
    );
  }

  const applied: string[] = [];
  let skipped = 0;
  for (const file of files) {
    const didApply = await withTransaction(pool, async (client) => {
      await client.query(LOCK_SQL);
      // Re-read under the lock: another runner may have applied it while we waited.
      const done = await client.query(
        'select 1 from supabase_migrations.schema_migrations where version = $1',
        [file.version],
      );
      if (done.rowCount) return false;
      try {
        await client.query(file.sql);
      } catch (error) {
        throw new VigieError(
          'INTERNAL',
          `Migration ${file.file} failed${lineOf(file.sql, error)}: ${error instanceof Error ? error.message : String(error)}. It was rolled back and not recorded; fix the file and run migrate again.`,
          { cause: error, details: { file: file.file } },
        );
      }
      await client.query(
        'insert into supabase_migrations.schema_migrations (version, name, statements) values ($1, $2, $3)',
        [file.version, file.name, [file.sql]],
      );
      return true;
    });
    if (didApply) applied.push(file.file);
    else skipped += 1;
  }
  return { applied, skipped };
}

/** " at line N" from a Postgres error's character position, when it has one. */
function lineOf(sql: string, error: unknown): string {
  const position = Number((error as { position?: string }).position);
  if (!Number.isInteger(position) || position < 1) return '';
  return ` at line ${sql.slice(0, position - 1).split('\n').length}`;
}
