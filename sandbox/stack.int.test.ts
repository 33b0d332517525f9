import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testkit/pg.ts';
import { startStack } from './stack.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local staging', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('uses DATABASE_URL and REDIS_URL when given: migrates, seeds, serves /healthz', async () => {
    const db: TestDatabase = await createTestDatabase();
    cleanups.push(db.drop);
    const stack = await startStack({
      env: { DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:6379/0', PORT: '0' },
      seedSize: { customers: 2, prospectsPerCustomer: 10 },
    });
    try {
      expect(stack.embedded).toEqual({ postgres: false, redis: false });
      const response = await fetch(`${stack.urls.app}/healthz`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { dependencies: Record<string, { state: string }> };
      expect(body.dependencies.postgres?.state).toBe('up');
      expect(body.dependencies.redis?.state).toBe('up');
      const { rows } = await stack.pool.query<{ n: number }>(
        'select count(*)::int as n from prospects',
      );
      expect(rows[0]?.n).toBe(20);
    } finally {
      await stack.stop();
    }
    await expect(fetch(`${stack.urls.app}/healthz`)).rejects.toThrow();
  });

  it('starts an embedded Postgres and a redis-server when nothing is given, and stops both', async () => {
    const stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-stack-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const stack = await startStack({ env: { PORT: '0' }, stateDir, seedWhenEmpty: false });
    const pidFile = await readFile(path.join(stateDir, 'postgres', 'postmaster.pid'), 'utf8');
    const postgresPid = Number(pidFile.split('\n')[0]);
    try {
      expect(stack.embedded).toEqual({ postgres: true, redis: true });
      const response = await fetch(`${stack.urls.app}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok' });
      expect(isAlive(postgresPid)).toBe(true);
      const { rows } = await stack.pool.query<{ n: number }>(
        'select count(*)::int as n from supabase_migrations.schema_migrations',
      );
      expect(rows[0]?.n).toBeGreaterThan(0);
    } finally {
      await stack.stop();
    }
    expect(isAlive(postgresPid)).toBe(false);
    expect(existsSync(path.join(stateDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 120_000);
});
