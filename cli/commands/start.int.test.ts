import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { processInfo } from '../../sandbox/leftovers.ts';
import { isAlive } from '../../testkit/process.ts';

const stateDirs: string[] = [];
/** Pids this file started (directly or as leftovers), killed if a test fails half-way. */
const started: number[] = [];
afterAll(async () => {
  for (const pid of started) if (processInfo(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of stateDirs) await rm(dir, { recursive: true, force: true });
});

/** `vigie start --no-seed` in its own process group; resolves once it printed its ready line. */
async function startStaging(stateDir: string) {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    ['cli/vigie.ts', 'start', '--no-seed'],
    { env: { ...process.env, PORT: '0', VIGIE_STATE_DIR: stateDir }, detached: true },
  );
  started.push(child.pid!);
  const run = { child, output: '' };
  child.stdout.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (/ready in \d+ ms/.test(run.output)) {
        clearInterval(timer);
        resolve();
      }
      if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`vigie start exited early:\n${run.output}`));
      }
    }, 100);
  });
  const redisPid = Number(/redis-server (\d+) ready/.exec(run.output)?.[1]);
  const postgresPid = Number(
    readFileSync(path.join(stateDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  started.push(redisPid, postgresPid);
  return { ...run, exited, redisPid, postgresPid };
}

describe('vigie start', () => {
  it('stops everything on Ctrl-C sent to its whole process group, as a terminal does', async () => {
    const stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-start-'));
    stateDirs.push(stateDir);
    // Its own process group, so the SIGINT below reaches Postgres and Redis too, like Ctrl-C.
    const child = spawn(process.execPath, ['cli/vigie.ts', 'start', '--no-seed'], {
      env: { ...process.env, PORT: '0', VIGIE_STATE_DIR: stateDir },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (/ready in \d+ ms/.test(output)) {
          clearInterval(timer);
          resolve();
        }
        if (child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`vigie start exited early:\n${output}`));
        }
      }, 100);
    });
    const redisPid = Number(/redis-server (\d+) ready/.exec(output)?.[1]);
    expect(isAlive(redisPid)).toBe(true);

    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;

    expect(output).toContain('vigie: stopped');
    expect(output).not.toMatch(/unexpected error|Unhandled|57P01/);
    expect(code).toBe(130);
    expect(isAlive(redisPid)).toBe(false);
    // Postgres removes its pid file only on a completed shutdown.
    expect(existsSync(path.join(stateDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 90_000);

  it('after kill -9, the next start stops the orphaned Postgres and Redis and says so', async () => {
    const stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-start-'));
    stateDirs.push(stateDir);
    const first = await startStaging(stateDir);
    // kill -9 of the launcher only: its Postgres and redis-server are orphaned, still running.
    first.child.kill('SIGKILL');
    await first.exited;
    expect(processInfo(first.postgresPid)?.comm).toBe('postgres');
    expect(processInfo(first.redisPid)?.comm).toBe('redis-server');

    const second = await startStaging(stateDir);
    expect(second.output).toContain(
      `found Postgres (pid ${first.postgresPid}) left running by an earlier \`npm start\``,
    );
    expect(second.output).toContain(`stopped the leftover Postgres (pid ${first.postgresPid})`);
    expect(second.output).toContain(
      `found redis-server (pid ${first.redisPid}) left running by an earlier \`npm start\``,
    );
    expect(second.output).not.toMatch(/undefined|unexpected error/);
    expect(processInfo(first.postgresPid)).toBeUndefined();
    expect(processInfo(first.redisPid)).toBeUndefined();
    expect(second.postgresPid).not.toBe(first.postgresPid);

    process.kill(-second.child.pid!, 'SIGINT');
    expect(await second.exited).toBe(130);
    expect(processInfo(second.postgresPid)).toBeUndefined();
    expect(processInfo(second.redisPid)).toBeUndefined();
  }, 120_000);
});
