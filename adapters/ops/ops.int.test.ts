import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../postgres/migrate.ts';
import { createPool } from '../postgres/pool.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { revokeCalendar } from './calendar.ts';
import {
  migrationIndexes,
  restoreIndexes,
  stopBackend,
  stopIdleInTransaction,
} from './database.ts';
import { checkDomainName, setDomainPaused } from './domains.ts';
import { DEFAULT_MIGRATIONS_DIR } from '../postgres/migrate.ts';

// Real Postgres: every runbook action changes what it says, writes one audit row when it does,
// and does nothing (no row) the second time.
const NOW = new Date('2026-11-30T10:00:00Z');
let db: TestDatabase;
let pool: pg.Pool;
let user = '';

const audits = async (action: string) =>
  (
    await pool.query<{ request_id: string; actor: string }>(
      'select request_id, actor from public.audit_log where action = $1 order by id',
      [action],
    )
  ).rows;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  user = (await pool.query<{ id: string }>('insert into auth.users default values returning id'))
    .rows[0]!.id;
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('runbook actions', () => {
  it('domain pause: pauses once, audited once; resume undoes it', async () => {
    const id = (
      await pool.query<{ id: string }>(
        `insert into public.sending_domains (user_id, domain) values ($1, 'mail.acme.test') returning id`,
        [user],
      )
    ).rows[0]!.id;
    const first = await setDomainPaused(pool, 'Mail.Acme.Test.', true, NOW);
    const second = await setDomainPaused(pool, 'mail.acme.test', true, NOW);
    expect(first.changed).toBe(true);
    expect(first.domain.sending_paused_at).toEqual(NOW);
    expect(second.changed).toBe(false);
    expect(await audits('runbook.domain_pause')).toEqual([
      { request_id: `domain:${id}`, actor: 'cli' },
    ]);
    expect((await setDomainPaused(pool, 'mail.acme.test', false, NOW)).changed).toBe(true);
    expect(await audits('runbook.domain_resume')).toHaveLength(1);
  });

  it('refuses a bad or unknown domain clearly', async () => {
    expect(() => checkDomainName("x'; drop table prospects; --")).toThrow(/not a domain name/);
    await expect(setDomainPaused(pool, 'nope.example.test', true, NOW)).rejects.toThrow(
      /No sending domain "nope.example.test"/,
    );
  });

  it('calendar revoke: drops tokens, records the reconnect request, once', async () => {
    const id = (
      await pool.query<{ id: string }>(
        `insert into public.calendar_connections
           (user_id, provider, status, access_token_encrypted, refresh_token_encrypted)
         values ($1, 'google', 'revoked', 'enc:a', 'enc:r') returning id`,
        [user],
      )
    ).rows[0]!.id;
    const first = await revokeCalendar(pool, id, NOW);
    const second = await revokeCalendar(pool, id, NOW);
    expect(first).toMatchObject({
      changed: true,
      connection: { status: 'revoked', has_refresh: false },
    });
    expect(first.connection.reconnect_requested_at).toEqual(NOW);
    expect(second.changed).toBe(false);
    expect(await audits('runbook.calendar_revoke')).toEqual([
      { request_id: `calendar:${id}`, actor: 'cli' },
    ]);
    const { rows } = await pool.query(
      'select access_token_encrypted, refresh_token_encrypted from public.calendar_connections where id = $1',
      [id],
    );
    expect(rows[0]).toEqual({ access_token_encrypted: null, refresh_token_encrypted: null });
    await expect(revokeCalendar(pool, 'not-a-uuid', NOW)).rejects.toThrow(/must be a UUID/);
  });

  it('db cancel --terminate ends the blocking session; again finds nothing', async () => {
    const holder = new pg.Client({ connectionString: db.url });
    holder.on('error', () => {});
    await holder.connect();
    const pid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!
      .pid;
    await holder.query('begin');
    await holder.query('lock table public.meetings in access exclusive mode');
    const first = await stopBackend(pool, pid, { terminate: true, now: NOW });
    expect(first).toEqual({ pid, found: true, done: true, action: 'terminate' });
    await new Promise((r) => setTimeout(r, 200));
    expect(await stopBackend(pool, pid, { terminate: true, now: NOW })).toMatchObject({
      found: false,
    });
    expect(await audits('runbook.db_terminate')).toEqual([
      { request_id: `pid:${pid}`, actor: 'cli' },
    ]);
    await holder.end().catch(() => {});
    // The lock is gone: the table answers.
    await pool.query('select count(*) from public.meetings');
  });

  it('db cancel --idle-in-transaction ends only sessions idle in a transaction', async () => {
    const idle = new pg.Client({ connectionString: db.url });
    const busy = new pg.Client({ connectionString: db.url });
    for (const c of [idle, busy]) {
      c.on('error', () => {});
      await c.connect();
    }
    await idle.query('begin');
    await idle.query('select 1');
    const results = await stopIdleInTransaction(pool, {
      terminate: true,
      olderThanSeconds: 0,
      now: NOW,
    });
    expect(results).toHaveLength(1);
    await expect(busy.query('select 1')).resolves.toBeDefined();
    await idle.end().catch(() => {});
    await busy.end();
  });

  it('restore-indexes recreates a dropped migration index, then has nothing to do', async () => {
    const wanted = await migrationIndexes(DEFAULT_MIGRATIONS_DIR);
    expect(wanted.map((i) => i.name)).toContain('email_events_domain_occurred_idx');
    await pool.query('drop index public.email_events_domain_occurred_idx');
    const first = await restoreIndexes(pool, DEFAULT_MIGRATIONS_DIR, NOW);
    expect(first.restored).toEqual(['email_events_domain_occurred_idx']);
    const { rows } = await pool.query(
      `select indexdef from pg_indexes where indexname = 'email_events_domain_occurred_idx'`,
    );
    expect(rows[0].indexdef).toContain('(sending_domain_id, occurred_at) INCLUDE (type)');
    expect((await restoreIndexes(pool, DEFAULT_MIGRATIONS_DIR, NOW)).restored).toEqual([]);
  });
});
