import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raise } from '../../adapters/alerts/outbox.ts';
import { checkpointAuditLog } from '../../adapters/privacy/audit-anchor.ts';
import { fileCheckpointStore } from '../../adapters/privacy/checkpoint-store.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool, type Pool } from '../../adapters/postgres/pool.ts';
import { loadCheckpointSigner } from '../../adapters/privacy/checkpoint-config.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { run } from './run.ts';

// Real Postgres, the real alert outbox, a real checkpoint file and the local staging key
// (made on first use in the state directory).
let db: TestDatabase;
let pool: Pool;
let stateDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-audit-anchor-'));
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await rm(stateDir, { recursive: true, force: true });
});

describe('audit-anchor collector', () => {
  it('anchors an intact log hourly, and pages (writing no checkpoint) once its tail is deleted', async () => {
    const signer = await loadCheckpointSigner({
      VIGIE_STAGE: 'local',
      VIGIE_STATE_DIR: stateDir,
      AUDIT_CHECKPOINT_KEY: undefined,
    });
    const file = path.join(stateDir, 'audit', 'checkpoints.jsonl');
    const store = fileCheckpointStore(file);
    const user = randomUUID();
    await pool.query('insert into auth.users (id) values ($1)', [user]);
    for (let i = 0; i < 3; i += 1)
      await pool.query(`select public.audit_append($1, 'read')`, [user]);
    const tick = (now: Date) =>
      run(
        {
          db: pool,
          raise,
          checkpoint: async () => {
            const client = await pool.connect();
            try {
              return await checkpointAuditLog(client, { store, signer, now });
            } finally {
              client.release();
            }
          },
        },
        now,
      );

    const first = await tick(new Date('2026-11-30T10:20:00Z'));
    expect(first).toMatchObject({ status: 'ok', checkpointWritten: true, breaks: 0 });
    expect(first.rowsChecked).toBe(3);

    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query('alter table public.audit_log disable trigger audit_log_no_delete');
      await client.query('delete from public.audit_log where user_id = $1 and chain_seq = 3', [
        user,
      ]);
      await client.query('alter table public.audit_log enable trigger audit_log_no_delete');
      await client.query('commit');
    } finally {
      client.release();
    }

    const second = await tick(new Date('2026-11-30T11:20:00Z'));
    expect(second).toMatchObject({ status: 'alerting', checkpointWritten: false, breaks: 1 });
    expect(second.alertsRaised).toEqual([
      {
        alertId: 'audit-chain-broken',
        labels: { chainId: user, seq: 3, reason: 'chain_truncated', breaks: 1 },
      },
    ]);
    const { rows } = await pool.query(
      `select alert_id, severity from alert_outbox where alert_id = 'audit-chain-broken'`,
    );
    expect(rows).toEqual([{ alert_id: 'audit-chain-broken', severity: 'critical' }]);
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(second.metrics).toContainEqual({
      name: 'vigie_audit_chain_breaks',
      value: 1,
      labels: {},
    });
  });
});
