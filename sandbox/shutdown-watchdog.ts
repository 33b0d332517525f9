/**
 * The shutdown watchdog of `vigie start`, run as a small process of its own beside the launcher
 * (`shutdown.ts` starts it). A signal is handled by JavaScript only when the event loop is
 * free: a launcher whose loop a request holds busy never sees Ctrl-C, and a stop step waiting
 * on a stuck connection never returns. This process is outside that loop. It is armed by a
 * signal of its own (Ctrl-C reaches the terminal's whole process group, so it too) or by the
 * launcher when the launcher starts stopping; once armed, if the launcher is still alive when
 * the deadline passes, it stops the launcher's children itself (Postgres with its immediate
 * shutdown, the others with SIGTERM, then SIGKILL for whatever is left) and kills the
 * launcher. It exits when the launcher does (the IPC channel closes).
 *
 * argv: <launcher pid> <deadline ms>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { processInfo } from './leftovers.ts';
import { descendants } from './process-tree.ts';

const launcher = Number(process.argv[2]);
const deadlineMs = Number(process.argv[3]);
/** How long the children get between the polite signal and SIGKILL. */
const CHILD_GRACE_MS = 3_000;

let armed = false;
function arm(): void {
  if (armed) return;
  armed = true;
  setTimeout(() => void forceStop(), deadlineMs);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, arm);
// The launcher is gone (stopped cleanly, or killed): nothing left to watch.
process.on('disconnect', () => process.exit(0));

async function forceStop(): Promise<void> {
  if (processInfo(launcher) === undefined) process.exit(0);
  const tree = descendants(launcher).filter((pid) => pid !== process.pid);
  const direct = tree.filter((pid) => processInfo(pid)?.ppid === launcher);
  process.stderr.write(
    `vigie: not stopped ${deadlineMs / 1000} s after the signal (a request or a stop step is stuck): killing it and its ${tree.length} child process(es)\n`,
  );
  kill(launcher, 'SIGKILL');
  // Grandchildren (Postgres's backends) are stopped by their parent.
  for (const pid of direct) {
    // Postgres's immediate shutdown stops its backends too; SIGKILL would orphan them.
    kill(pid, processInfo(pid)?.comm === 'postgres' ? 'SIGQUIT' : 'SIGTERM');
  }
  const until = Date.now() + CHILD_GRACE_MS;
  while (Date.now() < until && tree.some((pid) => processInfo(pid) !== undefined)) await sleep(50);
  for (const pid of tree) if (processInfo(pid) !== undefined) kill(pid, 'SIGKILL');
  process.exit(0);
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
