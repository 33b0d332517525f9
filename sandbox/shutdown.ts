/**
 * Bounded shutdown of `vigie start`. Ctrl-C runs the launcher's orderly stop (the app stops
 * accepting connections, closes idle keep-alive ones, lets in-flight requests finish for a
 * grace period and then closes them; every stop step has its own time budget), and a watchdog
 * process (`shutdown-watchdog.ts`) guarantees the bound: whatever the launcher's event loop is
 * doing, the launcher and every process it started are gone `SHUTDOWN_DEADLINE_MS` after the
 * signal.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** From the signal to a process with no children left, whatever is stuck. */
export const SHUTDOWN_DEADLINE_MS = 10_000;

export interface ShutdownWatchdog {
  /** The launcher started stopping (a signal sent to it alone, not to the group): start the clock. */
  arm(): void;
}

/** Starts the watchdog process for this launcher; it exits on its own when the launcher does. */
export function startShutdownWatchdog(deadlineMs = SHUTDOWN_DEADLINE_MS): ShutdownWatchdog {
  const script = fileURLToPath(new URL('./shutdown-watchdog.ts', import.meta.url));
  // Same process group (not detached): Ctrl-C in a terminal reaches it as well as the launcher.
  const child = spawn(process.execPath, [script, String(process.pid), String(deadlineMs)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('error', () => {}); // no watchdog is no reason not to start; the orderly stop remains
  // Neither the process nor its channel may keep the launcher alive.
  child.unref();
  child.channel?.unref();
  return {
    arm() {
      // A signal, not a message: delivered at once, whatever the launcher's loop does next.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
