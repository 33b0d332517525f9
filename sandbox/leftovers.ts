/**
 * Leftovers of an earlier local staging that did not stop cleanly (`kill -9` of `npm start`,
 * a crashed terminal): its embedded Postgres, redis-server and Prometheus keep running, orphaned, on our
 * state directory. The next start would fail on Postgres's lock file. Before starting, each
 * one is found and stopped, and the log says what happened:
 *
 * - Postgres: `<dataDir>/postmaster.pid` names the postmaster. A live postgres process on this
 *   data directory is shut down (SIGINT, Postgres's "fast" shutdown: it rolls back open
 *   transactions and removes the lock file). A pid file whose pid is gone or is now some other
 *   program is stale and removed (Postgres itself refuses to start when the pid was reused).
 * - Redis: a `redis-server` whose working directory is our Redis data directory (it rewrites
 *   its command line, so the cwd is what identifies it) is stopped with SIGTERM.
 * - Prometheus: a `prometheus` whose `--storage.tsdb.path` lies in our data directory is
 *   stopped with SIGTERM.
 *
 * Stopping rather than reusing: the earlier run's ports, passwords and stand-ins are gone, and a
 * fresh start takes about a second on an existing data directory. When the leftover's parent is
 * still a running `vigie start`, it is not a leftover: that run owns it, and we refuse instead.
 * Linux only (`/proc`); elsewhere nothing is detected and Postgres reports the lock itself.
 */
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VigieError } from '../core/errors.ts';

type Log = (line: string) => void;

interface ProcessInfo {
  pid: number;
  comm: string;
  ppid: number;
  cmdline: string[];
  cwd: string | undefined;
}

/** What `/proc/<pid>` says, or undefined when no such (live) process exists. */
export function processInfo(pid: number): ProcessInfo | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid …`; comm may hold spaces and parentheses: split at the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, ppid] = stat.slice(close + 2).split(' ');
    if (state === 'Z' || state === 'X') return undefined; // exited, waiting to be reaped
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    let cwd: string | undefined;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      cwd = undefined;
    }
    return { pid, comm, ppid: Number(ppid), cmdline, cwd };
  } catch {
    return undefined;
  }
}

/** Stops an orphaned embedded Postgres on `dataDir`, or removes a stale lock file. */
export async function recoverPostgres(dataDir: string, log: Log): Promise<void> {
  const lockFile = path.join(dataDir, 'postmaster.pid');
  let text: string;
  try {
    text = readFileSync(lockFile, 'utf8');
  } catch {
    return; // no lock file: nothing was left running
  }
  const pid = Number(text.split('\n')[0]);
  const info = processInfo(pid);
  const isOurPostgres =
    info !== undefined &&
    info.comm === 'postgres' &&
    info.cmdline.some((arg, i) => arg === dataDir && info.cmdline[i - 1] === '-D');
  if (!isOurPostgres) {
    rmSync(lockFile, { force: true });
    log(
      `removed a stale ${path.basename(lockFile)} (pid ${Number.isInteger(pid) ? pid : '?'} ${info ? `is now ${info.comm}, not our Postgres` : 'is not running'}): an earlier run did not stop cleanly`,
    );
    return;
  }
  refuseIfOwned(info, 'Postgres', dataDir);
  log(
    `found Postgres (pid ${pid}) left running by an earlier \`npm start\` on ${dataDir}: stopping it`,
  );
  process.kill(pid, 'SIGINT');
  await waitForExit(pid, 20_000, 'Postgres', dataDir);
  log(`stopped the leftover Postgres (pid ${pid})`);
}

/** Stops every orphaned redis-server whose working directory is `dataDir`. */
export async function recoverRedis(dataDir: string, log: Log): Promise<void> {
  const dir = path.resolve(dataDir);
  // redis-server rewrites its command line, so its working directory is what identifies it.
  await stopOrphans('redis-server', dir, (p) => p.comm === 'redis-server' && p.cwd === dir, log);
}

/**
 * Stops every orphaned `prometheus` whose TSDB lives under `dataDir` (its command line keeps
 * `--storage.tsdb.path=<dataDir>/…`). Prometheus holds a lock on its TSDB, so a leftover would
 * otherwise make the next start fail or, on another port, scrape a stand-in that is gone.
 */
export async function recoverPrometheus(dataDir: string, log: Log): Promise<void> {
  const dir = path.resolve(dataDir);
  const ownsTsdb = (arg: string) =>
    arg.startsWith('--storage.tsdb.path=') &&
    path.resolve(arg.slice('--storage.tsdb.path='.length)).startsWith(dir + path.sep);
  await stopOrphans(
    'prometheus',
    dir,
    (p) => p.comm === 'prometheus' && p.cmdline.some(ownsTsdb),
    log,
  );
}

async function stopOrphans(
  what: string,
  dir: string,
  match: (info: ProcessInfo) => boolean,
  log: Log,
): Promise<void> {
  for (const info of processesWhere(match)) {
    refuseIfOwned(info, what, dir);
    log(
      `found ${what} (pid ${info.pid}) left running by an earlier \`npm start\` in ${dir}: stopping it`,
    );
    process.kill(info.pid, 'SIGTERM');
    await waitForExit(info.pid, 10_000, what, dir);
    log(`stopped the leftover ${what} (pid ${info.pid})`);
  }
}

function processesWhere(match: (info: ProcessInfo) => boolean): ProcessInfo[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: ProcessInfo[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const info = processInfo(Number(entry));
    if (info && match(info)) found.push(info);
  }
  return found;
}

/** A child of a live `vigie start` belongs to that run: never stop it from here. */
function refuseIfOwned(info: ProcessInfo, what: string, dir: string): void {
  const parent = processInfo(info.ppid);
  const ownedByVigie =
    parent !== undefined &&
    parent.pid !== process.pid &&
    parent.cmdline.some((arg) => /vigie(\.ts)?$/.test(arg)) &&
    parent.cmdline.includes('start');
  if (ownedByVigie) {
    throw new VigieError(
      'CONFLICT',
      `Another local staging (\`vigie start\`, pid ${parent.pid}) is running on ${dir}: its ${what} is pid ${info.pid}. Stop it (Ctrl-C in its terminal, or \`kill ${parent.pid}\`), or give this one its own VIGIE_STATE_DIR.`,
    );
  }
}

async function waitForExit(pid: number, timeoutMs: number, what: string, dir: string) {
  const deadline = Date.now() + timeoutMs;
  while (processInfo(pid) !== undefined) {
    if (Date.now() > deadline) {
      throw new VigieError(
        'UNAVAILABLE',
        `A ${what} left running on ${dir} (pid ${pid}) did not stop within ${timeoutMs / 1000} s: stop it (\`kill -9 ${pid}\`), then run \`npm start\` again.`,
      );
    }
    await sleep(100);
  }
}
