/**
 * A throwaway `redis-server` child process for local staging when `REDIS_URL` is unset.
 * Listens on 127.0.0.1 only, persists nothing (`--save "" --appendonly no`), and is stopped
 * with the launcher; started, awaited and stopped by the shared `child-server.ts`.
 */
import { mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { startChildServer } from './child-server.ts';
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
  const server = await startChildServer({
    binary: 'redis-server',
    debianPackage: 'redis-server',
    howToInstall: HOW_TO_INSTALL,
    prepare: async () => {
      mkdirSync(options.dataDir, { recursive: true });
      await recoverRedis(options.dataDir, options.log ?? (() => {}));
    },
    args: (port) => [
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
    ready: (port, child) => answers(port, child.pid),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.log ? { log: options.log } : {}),
    readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
    pollMs: 50,
  });
  return { url: `redis://127.0.0.1:${server.port}`, ...server };
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
