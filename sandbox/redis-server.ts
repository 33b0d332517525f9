/**
 * A throwaway `redis-server` child process for local staging when `REDIS_URL` is unset.
 * Listens on 127.0.0.1 only, persists nothing (`--save "" --appendonly no`), and is stopped
 * with the launcher (stop() waits for the process to exit; a parent exit kills it too).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VigieError } from '../core/errors.ts';

export interface RedisServerOptions {
  /** Working directory of the server (a git-ignored folder under `.vigie/`). */
  dataDir: string;
  /** A free port is picked when omitted. */
  port?: number;
  /** PATH lookup and `VIGIE_AUTO_INSTALL` come from here; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Progress lines (installing, started); no personal data ever reaches them. */
  log?: (line: string) => void;
  /** How long to wait for the server to answer. */
  readyTimeoutMs?: number;
}

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const HOW_TO_INSTALL =
  'redis-server is not installed. Install it (Debian/Ubuntu: `sudo apt-get install -y redis-server`), ' +
  'or set REDIS_URL=redis://host:port to use a Redis you already run.';

export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const binary = findOnPath('redis-server', env) ?? installRedisServer(env, log);
  mkdirSync(options.dataDir, { recursive: true });
  const port = options.port ?? (await freePort());
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      options.dataDir,
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  const output = collectTail(child);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  try {
    await waitForPing(child, port, options.readyTimeoutMs ?? 10_000, () => spawnError);
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    throw new VigieError(
      'UNAVAILABLE',
      `redis-server did not start on 127.0.0.1:${port}: ${(error as Error).message}\n${output()}`,
      { cause: error },
    );
  }
  log(`redis-server ${String(child.pid)} ready on 127.0.0.1:${port}`);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    async stop() {
      process.removeListener('exit', killOnExit);
      await stopChild(child);
    },
  };
}

/** The absolute path of an executable on PATH, or undefined. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Debian's package, when we are root, apt-get exists and the user has not said no. */
function installRedisServer(env: NodeJS.ProcessEnv, log: (line: string) => void): string {
  const aptGet = findOnPath('apt-get', env);
  const permitted = env.VIGIE_AUTO_INSTALL !== '0' && process.getuid?.() === 0;
  if (aptGet === undefined || !permitted) throw new VigieError('UNAVAILABLE', HOW_TO_INSTALL);
  log(
    'redis-server not found: installing Debian package redis-server (VIGIE_AUTO_INSTALL=0 to refuse)',
  );
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', 'redis-server']]) {
    const result = spawnSync(aptGet, args, { stdio: 'inherit', env: aptEnv });
    if (result.status !== 0) {
      throw new VigieError(
        'UNAVAILABLE',
        `\`apt-get ${args.join(' ')}\` failed (exit ${String(result.status)}). ${HOW_TO_INSTALL}`,
      );
    }
  }
  const installed =
    findOnPath('redis-server', env) ?? findOnPath('redis-server', { PATH: '/usr/bin:/usr/sbin' });
  if (installed === undefined) throw new VigieError('UNAVAILABLE', HOW_TO_INSTALL);
  return installed;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPing(
  child: ChildProcess,
  port: number,
  timeoutMs: number,
  spawnError: () => Error | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const error = spawnError();
    if (error !== undefined) throw error;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server exited (${String(child.exitCode ?? child.signalCode)})`);
    }
    if (await answers(port, child.pid)) return;
    await sleep(50);
  }
  throw new Error(`no answer within ${timeoutMs} ms`);
}

/**
 * True once the server on `port` is ours and ready: INFO must name our child's pid, so a
 * Redis already listening on that port is not mistaken for the one we started.
 */
function answers(port: number, pid: number | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
    socket.once('connect', () => socket.write('INFO server\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      // "-LOADING …" (or any error) means not ready yet.
      if (reply.startsWith('-')) return done(false);
      const header = /^\$(\d+)\r\n/.exec(reply);
      if (header === null) return;
      const complete = reply.length >= header[0].length + Number(header[1]) + 2;
      if (complete) done(reply.includes(`\r\nprocess_id:${String(pid)}\r\n`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** The last lines the server printed, for the error message when it fails to start. */
function collectTail(child: ChildProcess): () => string {
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-2_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => tail;
}
