import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { createPool, type Pool } from '../postgres/pool.ts';
import { migrate } from '../postgres/migrate.ts';
import { verifyAuditChain } from './audit-chain.ts';

let db: TestDatabase;
let pool: Pool;
const alice = randomUUID();
const bob = randomUUID();

async function verify(userId?: string) {
  const client = await pool.connect();
  try {
    return await verifyAuditChain(client, userId === undefined ? {} : { userId });
  } finally {
    client.release();
  }
}

/** Tampering as a superuser would: switch the append-only guard off for one statement. */
async function tamper(sql: string, params: unknown[]) {
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('alter table public.audit_log disable trigger audit_log_no_update');
    await client.query('alter table public.audit_log disable trigger audit_log_no_delete');
    await client.query(sql, params);
    await client.query('alter table public.audit_log enable trigger audit_log_no_update');
    await client.query('alter table public.audit_log enable trigger audit_log_no_delete');
    await client.query('commit');
  } finally {
    client.release();
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 12 });
  await migrate(pool);
  await pool.query('insert into auth.users (id) values ($1), ($2)', [alice, bob]);
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('audit_log hash chain', () => {
  it('chains rows per user, including concurrent inserts', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        pool.query(
          'insert into public.audit_log (user_id, action, request_id) values ($1, $2, $3)',
          [
            i % 2 === 0 ? alice : bob,
            'read',
            `req-${i}|x`, // a separator inside a value must not confuse the canonical form
          ],
        ),
      ),
    );
    await pool.query("insert into public.audit_log (user_id, action) values (null, 'system.boot')");
    const { rows } = await pool.query<{ n: string; max: string }>(
      'select count(*) as n, max(chain_seq) as max from public.audit_log where user_id = $1',
      [alice],
    );
    expect(rows[0]).toEqual({ n: '20', max: '20' });
    const result = await verify();
    expect(result.ok).toBe(true);
    expect(result.rowsChecked).toBe(41);
    expect(result.chainsChecked).toBe(3);
    expect(result.heads.map((h) => h.userId).sort()).toContain(alice);
  });

  it('audits writes to prospects by trigger, with the acting identity', async () => {
    const client = await pool.connect();
    let prospectId: string;
    try {
      await client.query('begin');
      await client.query("select set_config('vigie.actor', 'retention-purge', true)");
      const { rows } = await client.query<{ id: string }>(
        "insert into public.prospects (user_id, full_name) values ($1, 'Jane Doe') returning id",
        [alice],
      );
      prospectId = rows[0]!.id;
      await client.query("update public.prospects set title = 'CTO' where id = $1", [prospectId]);
      await client.query('delete from public.prospects where id = $1', [prospectId]);
      await client.query('commit');
    } finally {
      client.release();
    }
    const { rows } = await pool.query<{ action: string; actor: string }>(
      'select action, actor from public.audit_log where prospect_id = $1 order by chain_seq',
      [prospectId],
    );
    expect(rows).toEqual([
      { action: 'prospect_insert', actor: 'retention-purge' },
      { action: 'prospect_update', actor: 'retention-purge' },
      { action: 'prospect_delete', actor: 'retention-purge' },
    ]);
    // ids only: nothing of the prospect's name reaches the audit trail.
    const dump = await pool.query('select * from public.audit_log');
    expect(JSON.stringify(dump.rows)).not.toContain('Jane');
    expect((await verify(alice)).ok).toBe(true);
  });

  it('stays append-only', async () => {
    await expect(pool.query("update public.audit_log set action = 'x'")).rejects.toThrow(
      /append-only/,
    );
    await expect(pool.query('delete from public.audit_log')).rejects.toThrow(/append-only/);
  });

  it('detects an altered row and names it as the first broken link', async () => {
    const { rows } = await pool.query<{ id: string; chain_seq: string }>(
      'select id::text, chain_seq::text from public.audit_log where user_id = $1 and chain_seq = 5',
      [bob],
    );
    const target = rows[0]!;
    await tamper("update public.audit_log set action = 'export' where id = $1", [target.id]);
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.breaks).toEqual([
      { userId: bob, id: target.id, seq: '5', reason: 'row_hash_mismatch' },
    ]);
    // Alice's chain is untouched and still verifies on its own.
    expect((await verify(alice)).ok).toBe(true);
  });

  it('detects a row removed from the middle of a chain', async () => {
    const { rows } = await pool.query<{ id: string }>(
      'select id::text from public.audit_log where user_id = $1 and chain_seq = 3',
      [alice],
    );
    await tamper('delete from public.audit_log where id = $1', [rows[0]!.id]);
    const result = await verify(alice);
    expect(result.ok).toBe(false);
    expect(result.breaks[0]).toMatchObject({ userId: alice, seq: '4', reason: 'seq_gap' });
  });

  it('detects a recomputed row whose successor no longer links to it', async () => {
    // A careful tamperer rewrites row 7 and its own hash; row 8 still points at the old hash.
    const { rows } = await pool.query<{ id: string }>(
      'select id::text from public.audit_log where user_id = $1 and chain_seq = 7',
      [bob],
    );
    await tamper(
      `update public.audit_log set action = 'consent_change',
         row_hash = public.audit_log_row_hash(prev_hash, chain_seq, id, user_id, 'consent_change',
                                              prospect_id, actor, occurred_at, request_id)
       where id = $1`,
      [rows[0]!.id],
    );
    await tamper(
      `update public.audit_log set action = 'read',
         row_hash = public.audit_log_row_hash(prev_hash, chain_seq, id, user_id, 'read',
                                              prospect_id, actor, occurred_at, request_id)
       where user_id = $1 and chain_seq = 5`,
      [bob],
    );
    const result = await verify(bob);
    expect(result.breaks[0]).toMatchObject({ userId: bob, seq: '8', reason: 'prev_hash_mismatch' });
  });
});
