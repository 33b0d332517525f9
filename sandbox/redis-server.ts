/**
 * A throwaway `redis-server` child process for local staging when `REDIS_URL` is unset.
 * Listens on 127.0.0.1 only, persists nothing (`--save "" --appendonly no`), and is stopped
 * with the launcher (stop() waits for the process to exit; a parent exit kills it too).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { VigieError } from '../core/errors.ts';
import { collectTail, freePort, stopChild } from './child-process.ts';
import { findOrInstall } from './debian-package.ts';
import { recoverRedis } from './leftovers.ts';

export { findOnPath } from './debian-package.ts';

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
  const binary = findOrInstall({
    binary: 'redis-server',
    debianPackage: 'redis-server',
    howToInstall: HOW_TO_INSTALL,
    env,
    log,
  });
  mkdirSync(options.dataDir, { recursive: true });
  await recoverRedis(options.dataDir, log);
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
