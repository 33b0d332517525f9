/**
 * A server local staging runs as a child process (redis-server, prometheus), started one way:
 * find its binary or install its Debian package (`debian-package.ts`), spawn it on 127.0.0.1,
 * wait until it answers, and stop it with the launcher (stop() waits for the exit; a parent
 * exit kills it too). A server that does not come up is stopped and reported with the last
 * lines it printed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { VigieError } from '../core/errors.ts';
import { collectTail, freePort, stopChild } from './child-process.ts';
import { findOrInstall } from './debian-package.ts';

export interface ChildServerOptions {
  /** The program on PATH, e.g. `redis-server`. */
  binary: string;
  debianPackage: string;
  /** What to tell the user when it is missing and cannot be installed here. */
  howToInstall: string;
  /** Runs once the binary is found, before the spawn (data directory, config file). */
  prepare?: () => void | Promise<void>;
  /** Its command line for the port it must listen on. */
  args: (port: number) => string[];
  /** True once the child on `port` is up and is ours. */
  ready: (port: number, child: ChildProcess) => Promise<boolean>;
  /** A free port is picked when omitted. */
  port?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  readyTimeoutMs: number;
  /** Pause between readiness probes. */
  pollMs: number;
}

export interface ChildServer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startChildServer(options: ChildServerOptions): Promise<ChildServer> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const name = options.binary;
  const binary = findOrInstall({
    binary: options.binary,
    debianPackage: options.debianPackage,
    howToInstall: options.howToInstall,
    env,
    log,
  });
  await options.prepare?.();
  const port = options.port ?? (await freePort());
  const child = spawn(binary, options.args(port), { stdio: ['ignore', 'pipe', 'pipe'], env });
  const output = collectTail(child);
  // `close` comes after the last output is read (`exit` may come before it).
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  try {
    const deadline = Date.now() + options.readyTimeoutMs;
    for (;;) {
      if (spawnError) throw spawnError;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (${String(child.exitCode ?? child.signalCode)})`);
      }
      if (await options.ready(port, child)) break;
      if (Date.now() > deadline) throw new Error(`no answer within ${options.readyTimeoutMs} ms`);
      await sleep(options.pollMs);
    }
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    await Promise.race([closed, sleep(1_000)]);
    throw new VigieError(
      'UNAVAILABLE',
      `${name} did not start on 127.0.0.1:${port}: ${(error as Error).message}\n${output()}`,
      { cause: error },
    );
  }
  log(`${name} ${String(child.pid)} ready on 127.0.0.1:${port}`);
  return {
    port,
    pid: child.pid as number,
    async stop() {
      process.removeListener('exit', killOnExit);
      await stopChild(child);
    },
  };
}
