import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import pg from 'pg';
import { createDevToken } from './dev.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { processInfo } from '../../sandbox/leftovers.ts';
import { isAlive } from '../../testkit/process.ts';
import { descendants } from '../../sandbox/process-tree.ts';
import { SHUTDOWN_DEADLINE_MS } from '../../sandbox/shutdown.ts';

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
  // 'close', not 'exit': the last lines it printed are read by then.
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
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
  return {
    child,
    /** Everything printed so far (read live, not a copy from when it was ready). */
    get output() {
      return run.output;
    },
    exited,
    redisPid,
    postgresPid,
  };
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

/** A setting of the running staging, from the `staging.env` it wrote. */
function stagingSetting(stateDir: string, name: string): string {
  const env = readFileSync(path.join(stateDir, 'staging.env'), 'utf8');
  const value = new RegExp(`^${name}='([^']*)'$`, 'm').exec(env)?.[1];
  if (value === undefined) throw new Error(`${name} is not in staging.env`);
  return value;
}

async function eventually(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
) {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`not after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Bounded shutdown (issue #8 §1): SIGINT stops `npm start` even while requests misbehave.
describe('vigie start, stopped while requests misbehave', () => {
  it('SIGINT to the launcher alone, requests stuck in flight: an orderly stop within the bound', async () => {
    const stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-start-'));
    stateDirs.push(stateDir);
    const run = await startStaging(stateDir);
    const appUrl = new URL(/app +(http:\/\/127\.0\.0\.1:\d+)/.exec(run.output)![1]!);

    // An outside session (an operator's psql, a migration) holds a lock the app's queries wait on.
    const holder = new pg.Client({
      connectionString: stagingSetting(stateDir, 'DATABASE_MIGRATION_URL'),
    });
    holder.on('error', () => {}); // Postgres's shutdown ends this session too
    await holder.connect();
    await holder.query('begin');
    await holder.query('lock table public.prospects in access exclusive mode');

    // 1. A request stuck on that lock, its pool connection checked out.
    const token = await createDevToken({ stateDir, userId: randomUUID() });
    const stuck = fetch(new URL(`/prospects/${randomUUID()}`, appUrl), {
      headers: { authorization: `Bearer ${token}` },
    }).then(
      (response) => response.status,
      () => 'closed' as const,
    );
    // 2. A body that trickles in and never ends; 3. headers that never end (slowloris);
    // 4. an idle keep-alive connection.
    const sockets = [
      'POST /monitoring/tunnel HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n{"dsn":',
      'GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: ',
      'GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n',
    ].map((opening) => {
      const socket = connect({ host: appUrl.hostname, port: Number(appUrl.port) });
      socket.on('error', () => {});
      socket.on('data', () => {});
      socket.write(opening);
      return socket;
    });
    const trickle = setInterval(() => sockets[0]!.write(' '), 200);
    try {
      await eventually(
        async () => {
          const { rows } = await holder.query<{ n: number }>(
            "select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and usename = 'vigie_app'",
          );
          return rows[0]!.n > 0;
        },
        15_000,
        `the app's query waits on the lock (request: ${String(await Promise.race([stuck, 'pending']))})`,
      );
      const children = descendants(run.child.pid!);
      expect(children).toEqual(expect.arrayContaining([run.postgresPid, run.redisPid]));

      const signalled = performance.now();
      process.kill(run.child.pid!, 'SIGINT'); // the launcher alone, as a process manager does
      const code = await run.exited;
      const tookMs = performance.now() - signalled;

      expect(code).toBe(130);
      expect(tookMs).toBeLessThan(SHUTDOWN_DEADLINE_MS);
      expect(run.output).toContain('vigie: stopped');
      // A child that learns of the launcher's exit through its pipe or IPC channel (the
      // watchdog, esbuild's service) ends a moment later; one still running after 3 s is left behind.
      await eventually(
        () => children.every((pid) => processInfo(pid) === undefined),
        3_000,
        `every child gone: ${children.map((pid) => `${pid} ${processInfo(pid)?.comm ?? 'gone'}`).join(', ')}`,
      );
      // Postgres removes its pid file only on a completed shutdown.
      expect(existsSync(path.join(stateDir, 'postgres', 'postmaster.pid'))).toBe(false);
      // Whichever ends first (Postgres's shutdown ends the query and the lock holder's session;
      // the grace period ends the connection), the request never gets an opaque 500.
      expect(await stuck).not.toBe(500);
    } finally {
      clearInterval(trickle);
      for (const socket of sockets) socket.destroy();
      await holder.end().catch(() => {});
    }
  }, 120_000);

  it('Ctrl-C while a request holds the event loop: the watchdog ends it and every child within the bound', async () => {
    const stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-start-'));
    stateDirs.push(stateDir);
    const run = await startStaging(stateDir);
    const children = descendants(run.child.pid!);
    expect(children).toEqual(expect.arrayContaining([run.postgresPid, run.redisPid]));

    // A handler that holds the loop (what §1's backtracking regexes did for minutes).
    const held = await fetch(
      `${stagingSetting(stateDir, 'VIGIE_CONTROL_URL')}/faults/app/hold-loop`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stagingSetting(stateDir, 'VIGIE_CONTROL_TOKEN')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ seconds: '90' }),
      },
    );
    expect(held.status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));

    const signalled = performance.now();
    process.kill(-run.child.pid!, 'SIGINT'); // Ctrl-C: the terminal signals the whole group
    await run.exited;
    const tookMs = performance.now() - signalled;

    expect(tookMs).toBeLessThan(SHUTDOWN_DEADLINE_MS + 3_000);
    expect(run.output).toMatch(/not stopped 10 s after the signal/);
    await eventually(
      () => children.every((pid) => processInfo(pid) === undefined),
      5_000,
      `every child gone: ${children.filter((pid) => processInfo(pid)).join(', ')}`,
    );
  }, 120_000);
});
