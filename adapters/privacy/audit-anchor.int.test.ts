import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptSignerFrom } from '../../core/privacy/receipt.ts';
import { startUpstashBridge, type UpstashBridge } from '../../sandbox/upstash/bridge.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { testRedisUrl } from '../../testkit/redis.ts';
import { createPool, type Pool, type PoolClient } from '../postgres/pool.ts';
import { migrate } from '../postgres/migrate.ts';
import { createRedis } from '../upstash/client.ts';
import { checkpointAuditLog, verifyAnchoredAuditLog } from './audit-anchor.ts';
import { verifyAuditChain } from './audit-chain.ts';
import {
  type CheckpointStore,
  fileCheckpointStore,
  upstashCheckpointStore,
} from './checkpoint-store.ts';

// Real Postgres (tampering done as a superuser would), checkpoints in a real file and in a
// real Redis stream through the Upstash bridge (db 4: this helper's own keyspace).
let db: TestDatabase;
let pool: Pool;
let dir: string;
let bridge: UpstashBridge;
const signer = receiptSignerFrom('audit checkpoint test key, long enough to use');

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  dir = await mkdtemp(path.join(tmpdir(), 'vigie-anchor-'));
  bridge = await startUpstashBridge({ redisUrl: testRedisUrl(4), token: 'anchor-test' });
});

afterAll(async () => {
  await bridge?.close();
  await pool?.end();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
  }
}

/** A chain of `n` rows for a new user. */
async function chainOf(n: number): Promise<string> {
  const user = randomUUID();
  await pool.query('insert into auth.users (id) values ($1)', [user]);
  for (let i = 0; i < n; i += 1) {
    await pool.query(`select public.audit_append($1, 'export')`, [user]);
  }
  return user;
}

/** Tampering as a superuser would: the append-only guards off for one transaction. */
async function tamper(sql: string, params: unknown[]): Promise<void> {
  await withClient(async (client) => {
    await client.query('begin');
    await client.query('alter table public.audit_log disable trigger audit_log_no_update');
    await client.query('alter table public.audit_log disable trigger audit_log_no_delete');
    await client.query(sql, params);
    await client.query('alter table public.audit_log enable trigger audit_log_no_update');
    await client.query('alter table public.audit_log enable trigger audit_log_no_delete');
    await client.query('commit');
  });
}

const verify = (store: CheckpointStore, userId?: string) =>
  withClient((client) =>
    verifyAnchoredAuditLog(client, {
      store,
      publicKey: signer.publicKey,
      ...(userId === undefined ? {} : { userId }),
    }),
  );
const checkpoint = (store: CheckpointStore) =>
  withClient((client) => checkpointAuditLog(client, { store, signer, now: new Date() }));

describe('audit log anchored by signed checkpoints', () => {
  it('detects a deleted last row, which the hash chain alone does not', async () => {
    const store = fileCheckpointStore(path.join(dir, 'truncate.jsonl'));
    const user = await chainOf(3);
    const { written } = await checkpoint(store);
    expect(written?.heads.find((h) => h.userId === user)?.seq).toBe('3');
    expect((await verify(store)).ok).toBe(true);

    await tamper(`delete from public.audit_log where user_id = $1 and chain_seq = 3`, [user]);
    // The gap this closes: every remaining link still verifies.
    expect((await withClient((c) => verifyAuditChain(c, { userId: user }))).ok).toBe(true);
    const result = await verify(store);
    expect(result.ok).toBe(false);
    expect(result.anchorBreaks).toEqual([{ userId: user, seq: '3', reason: 'chain_truncated' }]);
    // A tampered log is never anchored.
    expect((await checkpoint(store)).written).toBeNull();
  });

  it("detects a last row rewritten with its hash recomputed by the database's own function", async () => {
    const store = fileCheckpointStore(path.join(dir, 'rewrite.jsonl'));
    const user = await chainOf(2);
    await checkpoint(store);
    await tamper(
      `update public.audit_log
          set action = 'read',
              row_hash = public.audit_log_row_hash(prev_hash, chain_seq, id, user_id, 'read',
                                                   prospect_id, actor, occurred_at, request_id)
        where user_id = $1 and chain_seq = 2`,
      [user],
    );
    expect((await withClient((c) => verifyAuditChain(c, { userId: user }))).ok).toBe(true);
    const result = await verify(store, user);
    expect(result.anchorBreaks).toEqual([{ userId: user, seq: '2', reason: 'head_mismatch' }]);
  });

  it('detects a whole chain deleted, and accepts rows appended after the checkpoint', async () => {
    const store = fileCheckpointStore(path.join(dir, 'grow.jsonl'));
    const kept = await chainOf(2);
    const gone = await chainOf(1);
    await checkpoint(store);
    await pool.query(`select public.audit_append($1, 'read')`, [kept]);
    expect((await verify(store, kept)).ok).toBe(true);
    await tamper(`delete from public.audit_log where user_id = $1`, [gone]);
    expect((await verify(store, gone)).anchorBreaks).toEqual([
      { userId: gone, seq: '1', reason: 'chain_missing' },
    ]);
  });

  it('refuses a checkpoint not signed by our key, and links each checkpoint to the previous', async () => {
    const store = fileCheckpointStore(path.join(dir, 'forged.jsonl'));
    await chainOf(1);
    const first = (await checkpoint(store)).written!;
    const second = (await checkpoint(store)).written!;
    expect(first.previous).toBeNull();
    expect(second.previous).toMatch(/^[0-9a-f]{64}$/);
    const forger = receiptSignerFrom(randomBytes(32).toString('hex'));
    const { signCheckpoint } = await import('../../core/privacy/audit-checkpoint.ts');
    await store.append(
      signCheckpoint({ createdAt: new Date(), heads: [], previous: second }, forger),
    );
    const result = await verify(store);
    expect(result.checkpointInvalid).toBe(true);
    expect(result.ok).toBe(false);
  });

  it('keeps checkpoints in an Upstash stream through the official client', async () => {
    const redis = createRedis({ url: bridge.url, token: bridge.token });
    const store = upstashCheckpointStore(redis, `vigie:test:checkpoints:${randomUUID()}`);
    expect(await store.latest()).toBeUndefined();
    const user = await chainOf(2);
    await checkpoint(store);
    const second = (await checkpoint(store)).written!;
    expect(await store.latest()).toEqual(second);
    await tamper(`delete from public.audit_log where user_id = $1 and chain_seq = 2`, [user]);
    expect((await verify(store, user)).anchorBreaks[0]?.reason).toBe('chain_truncated');
  });
});
