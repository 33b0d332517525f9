/**
 * The local stand-in for EventBridge Scheduler: runs each catalog collector at its `cron(...)`
 * times in its timezone, on a clock the caller drives (`advanceTo`), so a drill can play a
 * week of schedules in seconds. Each collector runs on its own chain, as each is its own
 * Lambda in production: its runs are in time order, one at a time, and a long run of one
 * collector (the audit chain's verification on a full seed) never delays another's. A
 * failing run is reported and the schedule goes on, like a Lambda invocation that errored.
 */
import { collectors as catalog, collectorSchedules } from '../core/catalog/collectors.ts';

export interface ScheduledRun {
  collector: string;
  at: Date;
  result?: unknown;
  error?: unknown;
  /** Slots of this collector skipped before this run because it had fallen behind. */
  skipped?: number;
  /** Real milliseconds the run took. */
  durationMs?: number;
}

export interface CollectorScheduler {
  /**
   * Starts every collector that is due by `now` and not already running on its own chain, and
   * resolves with their runs once those chains end. Callers that must not wait on a long run
   * (the staging clock) need not await it; a collector still running is left to finish.
   */
  advanceTo(now: Date): Promise<ScheduledRun[]>;
  /** Next due time per collector. */
  next(): Record<string, Date>;
  /** Collectors with a run in flight, and the slot each is running. */
  running(): Record<string, Date>;
  /** Resolves when no run is in flight. */
  idle(): Promise<void>;
}

export function createCollectorScheduler(options: {
  start: Date;
  /** Collector name → one tick at `at`. Collectors without a runner are skipped. */
  runners: Partial<Record<string, (at: Date) => Promise<unknown>>>;
  onRun?: (run: ScheduledRun) => void;
  /**
   * How far (clock ms) a collector may fall behind its own schedule before the slots it
   * missed are skipped and it runs at the latest one. On a compressed clock a collector slower
   * than its period would otherwise replay a backlog that only grows. Default: never skip.
   */
  maxLagMs?: number;
  /** Real time, for run durations. */
  realNow?: () => number;
}): CollectorScheduler {
  const realNow = options.realNow ?? Date.now;
  const due = new Map<string, Date>();
  const inFlight = new Map<string, { at: Date; chain: Promise<ScheduledRun[]> }>();
  const nextAfter = (name: string, at: Date) =>
    collectorSchedules[name as keyof typeof collectorSchedules].nextAfter(at);
  for (const c of catalog) {
    if (options.runners[c.name])
      due.set(c.name, nextAfter(c.name, new Date(options.start.getTime() - 1)));
  }

  /** One collector's due slots up to `now`, in order, one at a time. */
  async function chain(name: string, now: Date): Promise<ScheduledRun[]> {
    const ran: ScheduledRun[] = [];
    for (;;) {
      let at = due.get(name)!;
      if (at > now) break;
      let skipped = 0;
      if (options.maxLagMs !== undefined) {
        // Behind by more than the allowed lag: run the latest due slot, skip the ones before.
        for (;;) {
          const following = nextAfter(name, at);
          if (now.getTime() - at.getTime() <= options.maxLagMs || following > now) break;
          at = following;
          skipped += 1;
        }
      }
      due.set(name, nextAfter(name, at));
      inFlight.get(name)!.at = at;
      const run: ScheduledRun = { collector: name, at, ...(skipped > 0 ? { skipped } : {}) };
      const started = realNow();
      try {
        run.result = await options.runners[name]!(at);
      } catch (error) {
        run.error = error;
      }
      run.durationMs = realNow() - started;
      ran.push(run);
      options.onRun?.(run);
    }
    return ran;
  }

  return {
    next: () => Object.fromEntries(due),
    running: () => Object.fromEntries([...inFlight].map(([name, r]) => [name, r.at])),
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight.values()].map((r) => r.chain));
    },
    async advanceTo(now) {
      const started: Promise<ScheduledRun[]>[] = [];
      for (const [name, at] of due) {
        if (at > now || inFlight.has(name)) continue;
        const entry = { at, chain: Promise.resolve([] as ScheduledRun[]) };
        inFlight.set(name, entry);
        entry.chain = chain(name, now).finally(() => inFlight.delete(name));
        started.push(entry.chain);
      }
      const runs = (await Promise.all(started)).flat();
      return runs.sort((a, b) => a.at.getTime() - b.at.getTime());
    },
  };
}
