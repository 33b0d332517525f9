import { cp, mkdtemp, readdir, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { createPool, withTransaction, type Pool } from './pool.ts';
import { DEFAULT_MIGRATIONS_DIR, migrate, migrationStatus } from './migrate.ts';

const APP_TABLES = [
  'profiles',
  'prospects',
  'campaigns',
  'campaign_prospects',
  'sending_domains',
  'email_events',
  'calendar_connections',
  'meetings',
  'audit_log',
];

let db: TestDatabase;
let pool: Pool;
let fileCount: number;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  fileCount = (await readdir(DEFAULT_MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).length;
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

/** A private copy of the migrations folder, to change or break files in. */
async function copyMigrations(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'vigie-migrations-'));
  for (const f of await readdir(DEFAULT_MIGRATIONS_DIR)) {
    if (f.endsWith('.sql')) await cp(join(DEFAULT_MIGRATIONS_DIR, f), join(dir, f));
  }
  return dir;
}

describe('migrate', () => {
  it('reports everything pending on an empty database', async () => {
    const status = await migrationStatus(pool);
    expect(status).toHaveLength(fileCount);
    expect(status.every((e) => e.state === 'pending')).toBe(true);
  });

  it('applies every file from empty, recording them as the Supabase CLI does', async () => {
    const result = await migrate(pool);
    expect(result.applied).toHaveLength(fileCount);
    expect(result.skipped).toBe(0);
    const rows = await pool.query<{ version: string; name: string; statements: string[] }>(
      'select version, name, statements from supabase_migrations.schema_migrations order by version',
    );
    expect(rows.rows.map((r) => `${r.version}_${r.name}.sql`)).toEqual(result.applied);
    expect(rows.rows[0]?.statements[0]).toContain('auth.uid()');
    const columns = await pool.query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns
       where table_schema = 'supabase_migrations' and table_name = 'schema_migrations' order by ordinal_position`,
    );
    expect(columns.rows).toEqual([
      { column_name: 'version', data_type: 'text' },
      { column_name: 'statements', data_type: 'ARRAY' },
      { column_name: 'name', data_type: 'text' },
    ]);
  });

  it('is a no-op when re-run, also from two runners at once', async () => {
    const [a, b] = await Promise.all([migrate(pool), migrate(pool)]);
    expect(a).toEqual({ applied: [], skipped: fileCount });
    expect(b).toEqual({ applied: [], skipped: fileCount });
    const count = await pool.query('select 1 from supabase_migrations.schema_migrations');
    expect(count.rowCount).toBe(fileCount);
  });

  it('lists applied, pending and changed files in the status', async () => {
    const dir = await copyMigrations();
    try {
      await writeFile(join(dir, '29991231000000_add_later_thing.sql'), 'select 1;\n');
      const first = (await readdir(dir)).sort()[0] ?? '';
      await appendFile(join(dir, first), '\n-- edited\n');
      const status = await migrationStatus(pool, { dir });
      expect(status[0]).toMatchObject({ file: first, state: 'changed' });
      expect(status.at(-1)).toMatchObject({
        file: '29991231000000_add_later_thing.sql',
        state: 'pending',
      });
      expect(status.filter((e) => e.state === 'applied')).toHaveLength(fileCount - 1);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('refuses a changed applied file before applying anything, naming it', async () => {
    const dir = await copyMigrations();
    try {
      const files = (await readdir(dir)).sort();
      const changed = files[1] ?? '';
      await appendFile(join(dir, changed), '\ncreate table public.sneaky (id int);\n');
      await writeFile(
        join(dir, '29991231000000_create_pending_thing.sql'),
        'create table public.pending_thing (id int);\n',
      );
      const error = await migrate(pool, { dir }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'MIGRATION_CHANGED' });
      expect((error as Error).message).toContain(changed);
      expect((error as Error).message).toMatch(/add a new migration/);
      const created = await pool.query(`select to_regclass('public.pending_thing') as t`);
      expect(created.rows[0].t).toBeNull();
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('refuses a badly named file before applying anything', async () => {
    const dir = await copyMigrations();
    try {
      await writeFile(join(dir, '2026_add-thing.sql'), 'create table public.bad_name (id int);\n');
      await writeFile(
        join(dir, '29991231000000_ok_thing.sql'),
        'create table public.ok_thing (id int);\n',
      );
      await expect(migrate(pool, { dir })).rejects.toThrow(/2026_add-thing\.sql.*yyyymmddhhmmss/);
      const created = await pool.query(`select to_regclass('public.ok_thing') as t`);
      expect(created.rows[0].t).toBeNull();
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('rolls back a failing migration and records nothing for it', async () => {
    const dir = await copyMigrations();
    try {
      await writeFile(
        join(dir, '29991231000000_create_half_thing.sql'),
        '-- fails on its second statement\ncreate table public.half_thing (id int);\nselect * from public.no_such_table;\n',
      );
      const error = await migrate(pool, { dir }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(
        /29991231000000_create_half_thing\.sql failed at line 3/,
      );
      const created = await pool.query(`select to_regclass('public.half_thing') as t`);
      expect(created.rows[0].t).toBeNull();
      const recorded = await pool.query(
        `select 1 from supabase_migrations.schema_migrations where version = '29991231000000'`,
      );
      expect(recorded.rowCount).toBe(0);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('schema', () => {
  it('enables RLS on every app table', async () => {
    const result = await pool.query<{ relname: string; relrowsecurity: boolean }>(
      `select relname, relrowsecurity from pg_class
       where relnamespace = 'public'::regnamespace and relkind = 'r' order by relname`,
    );
    const byName = new Map(result.rows.map((r) => [r.relname, r.relrowsecurity]));
    for (const table of APP_TABLES) expect([table, byName.get(table)]).toEqual([table, true]);
  });

  it("enables RLS on every table in public, Vigie's own included", async () => {
    const result = await pool.query<{ relname: string }>(
      `select relname from pg_class
       where relnamespace = 'public'::regnamespace and relkind in ('r', 'p') and not relrowsecurity`,
    );
    expect(result.rows.map((r) => r.relname)).toEqual([]);
  });

  it('writes owner policies with (select auth.uid())', async () => {
    const result = await pool.query<{ tablename: string; qual: string }>(
      `select tablename, qual from pg_policies where schemaname = 'public'`,
    );
    for (const table of APP_TABLES) {
      const policy = result.rows.find((r) => r.tablename === table);
      expect(policy?.qual, table).toMatch(/\(\s*SELECT auth\.uid\(\)/i);
    }
  });

  it('adds the consent columns with their types and defaults', async () => {
    const result = await pool.query<{
      column_name: string;
      data_type: string;
      is_nullable: string;
      column_default: string | null;
    }>(
      `select column_name, data_type, is_nullable, column_default from information_schema.columns
       where table_schema = 'public' and table_name = 'prospects'
         and column_name in ('consent_given', 'consent_date', 'consent_source', 'lawful_basis', 'art14_notice_sent_at')
       order by column_name`,
    );
    expect(result.rows).toEqual([
      {
        column_name: 'art14_notice_sent_at',
        data_type: 'timestamp with time zone',
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'consent_date',
        data_type: 'timestamp with time zone',
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'consent_given',
        data_type: 'boolean',
        is_nullable: 'NO',
        column_default: 'false',
      },
      {
        column_name: 'consent_source',
        data_type: 'text',
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'lawful_basis',
        data_type: 'text',
        is_nullable: 'NO',
        column_default: "'legitimate_interest'::text",
      },
    ]);
  });

  it('refuses an unknown lawful basis and undated consent', async () => {
    const user = await pool.query<{ id: string }>(
      'insert into auth.users default values returning id',
    );
    const userId = user.rows[0]?.id;
    await expect(
      pool.query(`insert into public.prospects (user_id, lawful_basis) values ($1, 'because')`, [
        userId,
      ]),
    ).rejects.toThrow(/prospects_lawful_basis_check/);
    await expect(
      pool.query(`insert into public.prospects (user_id, consent_given) values ($1, true)`, [
        userId,
      ]),
    ).rejects.toThrow(/prospects_consent_dated_check/);
  });

  it('keeps audit_log append-only: UPDATE, DELETE and TRUNCATE raise', async () => {
    await pool.query(
      `insert into public.audit_log (user_id, action) values (gen_random_uuid(), 'prospect.viewed')`,
    );
    await expect(pool.query(`update public.audit_log set action = 'x'`)).rejects.toThrow(
      /audit_log is append-only: UPDATE/,
    );
    await expect(pool.query('delete from public.audit_log')).rejects.toThrow(
      /audit_log is append-only: DELETE/,
    );
    await expect(pool.query('truncate public.audit_log')).rejects.toThrow(
      /audit_log is append-only: TRUNCATE/,
    );
    const rows = await pool.query('select 1 from public.audit_log');
    expect(rows.rowCount).toBe(1);
  });

  it('has no personal-data columns in audit_log', async () => {
    const result = await pool.query<{ column_name: string; data_type: string }>(
      `select column_name, data_type from information_schema.columns
       where table_schema = 'public' and table_name = 'audit_log' order by ordinal_position`,
    );
    const columns = result.rows.map((r) => r.column_name);
    expect(columns.slice(0, 6)).toEqual([
      'id',
      'user_id',
      'action',
      'prospect_id',
      'occurred_at',
      'request_id',
    ]);
    // Ids, times, codes and hashes only: nothing that could hold a name, an address or a body.
    const personal =
      /e?mail|name|linkedin|phone|address|body|note|headline|title|company|payload|data/;
    expect(columns.filter((c) => personal.test(c))).toEqual([]);
    expect(result.rows.filter((r) => r.data_type === 'jsonb' || r.data_type === 'json')).toEqual(
      [],
    );
  });

  it('answers auth.uid() from request.jwt.claims, and RLS shows a user only their rows', async () => {
    const users = await pool.query<{ id: string }>(
      'insert into auth.users (id) select gen_random_uuid() from generate_series(1, 2) returning id',
    );
    const [mine, theirs] = users.rows.map((r) => r.id);
    await pool.query(
      `insert into public.prospects (user_id, status) values ($1, 'new'), ($1, 'new'), ($2, 'new')`,
      [mine, theirs],
    );
    const seen = await withTransaction(pool, async (client) => {
      await client.query(`select set_config('request.jwt.claims', $1, true)`, [
        JSON.stringify({ sub: mine, role: 'authenticated' }),
      ]);
      await client.query('set local role authenticated');
      const uid = await client.query<{ uid: string }>('select auth.uid() as uid');
      const rows = await client.query<{ user_id: string }>('select user_id from public.prospects');
      return {
        uid: uid.rows[0]?.uid,
        owners: [...new Set(rows.rows.map((r) => r.user_id))],
        n: rows.rowCount,
      };
    });
    expect(seen).toEqual({ uid: mine, owners: [mine], n: 2 });
  });

  it('answers auth.uid() from the legacy request.jwt.claim.sub setting', async () => {
    const uid = await withTransaction(pool, async (client) => {
      await client.query(
        `set local request.jwt.claim.sub = '6f1c1b9e-3a44-4f4e-9d1e-2b7f1d0c9a01'`,
      );
      return (await client.query<{ uid: string }>('select auth.uid() as uid')).rows[0]?.uid;
    });
    expect(uid).toBe('6f1c1b9e-3a44-4f4e-9d1e-2b7f1d0c9a01');
  });

  it('cascades a prospect deletion to its dependents', async () => {
    const user = await pool.query<{ id: string }>(
      'insert into auth.users default values returning id',
    );
    const userId = user.rows[0]?.id;
    const p = await pool.query<{ id: string }>(
      'insert into public.prospects (user_id) values ($1) returning id',
      [userId],
    );
    const prospectId = p.rows[0]?.id;
    const c = await pool.query<{ id: string }>(
      `insert into public.campaigns (user_id, name) values ($1, 'c') returning id`,
      [userId],
    );
    await pool.query(
      'insert into public.campaign_prospects (campaign_id, prospect_id, user_id) values ($1, $2, $3)',
      [c.rows[0]?.id, prospectId, userId],
    );
    await pool.query(
      `insert into public.email_events (user_id, prospect_id, type) values ($1, $2, 'sent')`,
      [userId, prospectId],
    );
    await pool.query(
      `insert into public.meetings (user_id, prospect_id, starts_at) values ($1, $2, now())`,
      [userId, prospectId],
    );
    await pool.query('delete from public.prospects where id = $1', [prospectId]);
    const left = await pool.query(
      `select (select count(*) from public.campaign_prospects where prospect_id = $1)
            + (select count(*) from public.email_events where prospect_id = $1)
            + (select count(*) from public.meetings where prospect_id = $1) as n`,
      [prospectId],
    );
    expect(Number(left.rows[0].n)).toBe(0);
  });
});
