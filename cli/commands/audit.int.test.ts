import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool, type Pool } from '../../adapters/postgres/pool.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';

let db: TestDatabase;
let pool: Pool;
let stateDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-audit-cli-'));
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
  await rm(stateDir, { recursive: true, force: true });
});

/** The real `vigie audit …` against the test database, as local staging (file store, own key). */
const vigie = (...args: string[]) =>
  spawnSync(process.execPath, ['cli/vigie.ts', 'audit', ...args], {
    encoding: 'utf8',
    env: { ...process.env, VIGIE_STAGE: 'local', VIGIE_STATE_DIR: stateDir, DATABASE_URL: db.url },
  });

describe('vigie audit checkpoint / verify', () => {
  it('anchors the heads, then reports a deleted last row that the links alone miss', async () => {
    const user = randomUUID();
    await pool.query('insert into auth.users (id) values ($1)', [user]);
    for (let i = 0; i < 2; i += 1)
      await pool.query(`select public.audit_append($1, 'read')`, [user]);

    const anchored = vigie('checkpoint');
    expect(anchored.stderr).toBe('');
    expect(anchored.stdout).toMatch(/checkpoint .*: 1 chain heads signed \(key [0-9a-f]{16}\)/);
    expect(vigie('verify').status).toBe(0);

    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query('alter table public.audit_log disable trigger audit_log_no_delete');
      await client.query('delete from public.audit_log where chain_seq = 2 and user_id = $1', [
        user,
      ]);
      await client.query('alter table public.audit_log enable trigger audit_log_no_delete');
      await client.query('commit');
    } finally {
      client.release();
    }

    expect(vigie('verify', '--no-anchor').status).toBe(0);
    const verify = vigie('verify');
    expect(verify.status).toBe(1);
    expect(verify.stdout).toContain(
      `BROKEN chain ${user} against the checkpoint at seq 2: the chain now ends before the signed head`,
    );
    const refused = vigie('checkpoint');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/No checkpoint written: the audit log does not verify/);
  });
});
