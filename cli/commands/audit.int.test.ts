import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool, type Pool } from '../../adapters/postgres/pool.ts';
import { startS3StandIn } from '../../sandbox/s3/stand-in.ts';
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

/** A command's exit status and output, without blocking this process's event loop. */
function run(file: string, args: string[], options: { env: NodeJS.ProcessEnv }) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(file, args, { ...options, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      resolve({ status: typeof code === 'number' ? code : error ? 1 : 0, stdout, stderr });
    });
  });
}

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

describe('vigie audit checkpoint / verify with the checkpoints in S3 (a deployed stage)', () => {
  it('anchors into the Object Lock bucket and verifies against what it reads back', async () => {
    const s3 = await startS3StandIn();
    const bucket = 'vigie-audit-cli';
    s3.createBucket(bucket, { objectLock: true });
    try {
      // A deployed stage: its own key setting, the bucket named, AWS credentials from the env.
      // Not spawnSync: the stand-in answers from this process's event loop.
      const deployed = (...args: string[]) =>
        run(process.execPath, ['cli/vigie.ts', 'audit', ...args], {
          env: {
            ...process.env,
            VIGIE_STAGE: 'staging',
            DATABASE_URL: db.url,
            AUDIT_CHECKPOINT_KEY: 'an audit checkpoint key of at least thirty-two chars',
            AUDIT_CHECKPOINT_BUCKET: bucket,
            AUDIT_CHECKPOINT_S3_ENDPOINT: s3.url,
            AWS_REGION: s3.region,
            AWS_ACCESS_KEY_ID: s3.accessKeyId,
            AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
          },
        });
      const user = randomUUID();
      await pool.query('insert into auth.users (id) values ($1)', [user]);
      await pool.query(`select public.audit_append($1, 'read')`, [user]);

      const anchored = await deployed('checkpoint');
      expect(anchored.stderr).toBe('');
      expect(anchored.status).toBe(0);
      const listed = await fetch(`${s3.url}/${bucket}?list-type=2`, {
        headers: { authorization: `AWS4-HMAC-SHA256 Credential=${s3.accessKeyId}/test` },
      });
      const key = /<Key>([^<]+)<\/Key>/.exec(await listed.text())?.[1];
      expect(s3.versions(bucket, key!)[0]?.lock?.mode).toBe('COMPLIANCE');
      expect((await deployed('verify')).status).toBe(0);

      // The chain deleted: the signed head read back from S3 no longer has its rows.
      const client = await pool.connect();
      try {
        await client.query('begin');
        await client.query('alter table public.audit_log disable trigger user');
        await client.query('delete from public.audit_log where user_id = $1', [user]);
        await client.query('alter table public.audit_log enable trigger user');
        await client.query('commit');
      } finally {
        client.release();
      }
      const verify = await deployed('verify');
      expect(verify.status).toBe(1);
      expect(verify.stdout).toContain(`BROKEN chain ${user} against the checkpoint`);
    } finally {
      await s3.close();
    }
  });
});
