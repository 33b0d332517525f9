/**
 * The Better Stack pinger, on a clock the caller drives (`advanceTo(now)`), so drills compress
 * hours into milliseconds. It follows the documented monitor semantics
 * (monitoring.md §1: `check_frequency`, `confirmation_period`, `recovery_period`,
 * `request_timeout`; heartbeat `period` + `grace`):
 *
 * - a monitor is checked every `check_frequency` s (a real HTTP GET to its URL, 2xx = up);
 * - the first failed check starts a confirmation; a re-check is made `confirmation_period` s
 *   after that check started, and an incident opens when a check at or after that point fails
 *   (stamped when it failed: a hung server fails at start + `request_timeout`);
 * - once down, the monitor is `validating` after a success and resolves when it has stayed up
 *   `recovery_period` s;
 * - a heartbeat that has pinged at least once opens an incident `period + grace` s after its
 *   last ping (a `/fail` ping opens one at once, in the HTTP stand-in).
 *
 * Real HTTP timeouts are shortened by `realTimeoutMs` so a drill does not wait 10 s per
 * check, while the virtual failure time still counts the full `request_timeout`.
 */
import type { BetterStackStore, IncidentEvent } from './store.ts';

export interface PingerOptions {
  /** Real milliseconds to wait for an answer before treating the check as timed out. */
  realTimeoutMs?: number;
  /**
   * Heartbeats not to judge yet: their job is running now. On a compressed clock a run of a
   * fraction of a real second outlasts a heartbeat's grace; the ping at its end decides.
   */
  running?: () => ReadonlySet<string>;
  /**
   * Check each due monitor once per `advanceTo`, at its latest due slot, rather than replay
   * every slot passed. A replayed check is a request made now either way; on a 600× clock the
   * replay is 20 requests a second per monitor, load that slows the staging it watches.
   */
  skipMissedChecks?: boolean;
}

interface MonitorState {
  nextCheckAt: number;
  /** Start of the first failed check of the current confirmation. */
  failingSince: number | null;
  /** Start of the first successful check while down. */
  upSince: number | null;
}

export interface Pinger {
  /** Runs every check due up to `now`, in time order; opens and resolves incidents. */
  advanceTo(now: Date): Promise<void>;
  /** Makes the monitors start checking at `at` (first check then). */
  start(at: Date): void;
}

export function createPinger(store: BetterStackStore, options: PingerOptions = {}): Pinger {
  const states = new Map<string, MonitorState>();
  // Unset until `start` or the first `advanceTo`: checks never replay time before that.
  let startedAt: number | null = null;

  function stateOf(id: string): MonitorState {
    let s = states.get(id);
    if (!s) {
      s = { nextCheckAt: startedAt ?? 0, failingSince: null, upSince: null };
      states.set(id, s);
    }
    return s;
  }

  async function check(url: string, timeoutSeconds: number): Promise<'up' | 'down' | 'timeout'> {
    const realMs = Math.min(options.realTimeoutMs ?? timeoutSeconds * 1000, timeoutSeconds * 1000);
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(realMs),
        redirect: 'follow',
      });
      await response.body?.cancel();
      return response.ok ? 'up' : 'down';
    } catch (error) {
      return error instanceof DOMException && error.name === 'TimeoutError' ? 'timeout' : 'down';
    }
  }

  async function runCheck(id: string, s: MonitorState): Promise<void> {
    const m = store.monitors.get(id);
    if (!m) return;
    const startedCheck = s.nextCheckAt;
    const result = await check(m.url, m.request_timeout);
    const failedAt = result === 'timeout' ? startedCheck + m.request_timeout * 1000 : startedCheck;
    const frequency = m.check_frequency * 1000;
    let next = startedCheck + frequency;
    const down = store.openIncidents(id) !== undefined;

    if (result === 'up') {
      s.failingSince = null;
      if (down) {
        s.upSince ??= startedCheck;
        m.status = 'validating';
        const resolveAt = s.upSince + m.recovery_period * 1000;
        if (startedCheck >= resolveAt) {
          await store.resolve(id, new Date(startedCheck));
          m.status = 'up';
          s.upSince = null;
        } else next = Math.min(next, resolveAt);
      } else m.status = 'up';
    } else {
      s.upSince = null;
      if (down) m.status = 'down';
      else {
        s.failingSince ??= startedCheck;
        const confirmAt = s.failingSince + m.confirmation_period * 1000;
        if (startedCheck >= confirmAt) {
          await store.open(
            'monitor',
            id,
            new Date(failedAt),
            result === 'timeout' ? 'timeout' : 'failed check',
          );
          m.status = 'down';
          s.failingSince = null;
        } else next = Math.min(next, confirmAt);
      }
    }
    s.nextCheckAt = next;
  }

  return {
    start(at) {
      startedAt = at.getTime();
      states.clear();
    },
    async advanceTo(now) {
      const limit = now.getTime();
      startedAt ??= limit;
      for (;;) {
        let due: [string, MonitorState] | undefined;
        for (const [id, m] of store.monitors) {
          if (m.paused_at !== null) continue;
          const s = stateOf(id);
          if (s.nextCheckAt <= limit && (!due || s.nextCheckAt < due[1].nextCheckAt)) due = [id, s];
        }
        if (!due) break;
        if (options.skipMissedChecks) {
          const m = store.monitors.get(due[0]);
          const frequency = (m?.check_frequency ?? 0) * 1000;
          if (frequency > 0 && due[1].nextCheckAt + frequency <= limit) {
            due[1].nextCheckAt += Math.floor((limit - due[1].nextCheckAt) / frequency) * frequency;
          }
        }
        await runCheck(due[0], due[1]);
      }
      const running = options.running?.() ?? new Set<string>();
      for (const [id, h] of store.heartbeats) {
        if (h.paused_at !== null || h.lastPingAt === null || store.openIncidents(id)) continue;
        if (running.has(id)) continue;
        const deadline = h.lastPingAt.getTime() + (h.period + h.grace) * 1000;
        if (deadline <= limit) {
          h.status = 'down';
          await store.open('heartbeat', id, new Date(deadline), 'missed');
        }
      }
    },
  };
}

/** Maps an opened incident to the alert the router raises (`undefined` for resolutions). */
export function incidentAlert(
  event: IncidentEvent,
): { alertId: string; labels: Record<string, string | number>; at: Date } | undefined {
  if (event.type !== 'opened') return undefined;
  return event.resource === 'monitor'
    ? {
        alertId: 'uptime-monitor-down',
        labels: { monitorId: event.resourceId, incidentId: event.incidentId },
        at: event.at,
      }
    : {
        alertId: 'heartbeat-missed',
        labels: { heartbeatId: event.resourceId, minutesLate: Math.round(event.lateSeconds / 60) },
        at: event.at,
      };
}
