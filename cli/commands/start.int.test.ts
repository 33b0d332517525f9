import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../testkit/process.ts';

const stateDirs: string[] = [];
afterAll(async () => {
  for (const dir of stateDirs) await rm(dir, { recursive: true, force: true });
});

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
});
