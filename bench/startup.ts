import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '../testkit/pg.ts';

/**
 * Time from `vigie start` to its ready line, as a user sees it: a child process, cold (fresh
 * state dir: initdb, migrations, seed) and warm (second start on the same state), embedded and
 * with `DATABASE_URL`/`REDIS_URL` given.
 */
export async function benchStartup(): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = {};
  const stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-bench-'));
  try {
    figures['start embedded, cold (initdb + migrate + seed 50×2000), ms'] = await timeToReady({
      VIGIE_STATE_DIR: stateDir,
    });
    figures['start embedded, warm, ms'] = await timeToReady({ VIGIE_STATE_DIR: stateDir });
    const db = await createTestDatabase('vigie_bench');
    try {
      const env = {
        DATABASE_URL: db.url,
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0',
      };
      figures['start with DATABASE_URL + REDIS_URL, cold (migrate + seed), ms'] =
        await timeToReady(env);
      figures['start with DATABASE_URL + REDIS_URL, warm, ms'] = await timeToReady(env);
    } finally {
      await db.drop();
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
  return figures;
}

function timeToReady(env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['cli/vigie.ts', 'start'], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no ready line within 5 minutes:\n${output}`));
    }, 300_000);
    let ready = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // The table after the ready line arrives in more chunks: stop the child once.
      if (!ready && /ready in \d+ ms/.test(output)) {
        ready = true;
        const ms = Math.round(performance.now() - started);
        clearTimeout(timer);
        child.once('exit', () => resolve(ms));
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!/ready in/.test(output)) reject(new Error(`vigie start exited ${code}:\n${output}`));
    });
  });
}
