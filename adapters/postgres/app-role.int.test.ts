import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { APP_ROLE, enableAppLogin } from './app-role.ts';
import { migrate } from './migrate.ts';
import { createPool, type Pool } from './pool.ts';

// Real Postgres: the owner migrates, the app connects as `vigie_app` and is refused everything
// but data access.
let db: TestDatabase;
let owner: Pool;
let app: Pool;
const USER = '3b0c8f5e-2a4d-4e6f-8a1b-9c0d1e2f3a4b';

beforeAll(async () => {
  db = await createTestDatabase();
  owner = createPool(db.url, { max: 2 });
  await migrate(owner);
  app = createPool(await enableAppLogin(owner, db.url, 'app-role-test'), { max: 2 });
  await owner.query(`insert into auth.users (id) values ($1)`, [USER]);
});

afterAll(async () => {
  await app?.end();
  await owner?.end();
  await db?.drop();
});

const refused = (sql: string, params: unknown[] = []) =>
  expect(app.query(sql, params), sql).rejects.toMatchObject({
    code: '42501', // insufficient_privilege
  });

describe('the least-privilege app role', () => {
  it('is who the app connects as: no superuser, no table ownership, no DDL', async () => {
    const { rows } = await app.query(
      `select current_user as who, r.rolsuper, r.rolcreaterole, r.rolcreatedb,
              (select count(*)::int from pg_tables where tableowner = current_user) as owned
         from pg_roles r where r.rolname = current_user`,
    );
    expect(rows).toEqual([
      { who: APP_ROLE, rolsuper: false, rolcreaterole: false, rolcreatedb: false, owned: 0 },
    ]);
    await refused('create table public.sneaky (id int)');
    await refused('drop table public.prospects');
    await refused('alter table public.prospects add column sneaky text');
  });

  it('cannot disable the audit triggers, by ALTER TABLE or by replication role', async () => {
    for (const trigger of ['audit_log_no_update', 'audit_log_no_delete', 'audit_log_chain']) {
      await refused(`alter table public.audit_log disable trigger ${trigger}`);
    }
    await refused('alter table public.audit_log disable trigger all');
    await refused('alter table public.prospects disable trigger prospects_audit_delete');
    await refused(`set session_replication_role = replica`);
  });

  it('cannot write the audit log directly, only append through audit_append', async () => {
    await refused(`insert into public.audit_log (user_id, action) values ($1, 'forged')`, [USER]);
    await app.query(`select public.audit_append($1, 'export')`, [USER]);
    await refused(`update public.audit_log set action = 'rewritten'`);
    await refused(`delete from public.audit_log`);
    await refused(`truncate public.audit_log`);
    const { rows } = await app.query(
      `select action, actor, chain_seq::int as seq, row_hash is not null as hashed
         from public.audit_log where user_id = $1 order by chain_seq`,
      [USER],
    );
    expect(rows).toEqual([{ action: 'export', actor: 'db:vigie_app', seq: 1, hashed: true }]);
  });

  it('does the app’s work: writes prospects (audited by the trigger) and the outbox', async () => {
    const { rows } = await app.query<{ id: string }>(
      `insert into public.prospects (user_id, full_name) values ($1, 'x') returning id`,
      [USER],
    );
    await app.query(`update public.prospects set status = 'enriched' where id = $1`, [rows[0]!.id]);
    await app.query(`delete from public.prospects where id = $1`, [rows[0]!.id]);
    const audit = await app.query(
      `select action from public.audit_log where prospect_id = $1 order by chain_seq`,
      [rows[0]!.id],
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'prospect_insert',
      'prospect_update',
      'prospect_delete',
    ]);
    await app.query(`select count(*) from public.alert_outbox`);
    // Supabase Auth's users: read (export, weekly summary), never written.
    const users = await app.query(`select count(*)::int as n from auth.users where id = $1`, [
      USER,
    ]);
    expect(users.rows).toEqual([{ n: 1 }]);
    await refused(`insert into auth.users (id) values (gen_random_uuid())`);
  });

  it('gets data access to tables a later migration adds (default privileges)', async () => {
    await owner.query(`create table public.added_later (id bigserial primary key, note text)`);
    await app.query(`insert into public.added_later (note) values ('ok')`);
    const { rows } = await app.query(`select note from public.added_later`);
    expect(rows).toEqual([{ note: 'ok' }]);
    await refused(`alter table public.added_later add column x int`);
  });
});
