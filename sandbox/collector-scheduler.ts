/**
 * The local stand-in for EventBridge Scheduler: runs each catalog collector at its `cron(...)`
 * times in its timezone, on a clock the caller drives (`advanceTo`), so a drill can play a
 * week of schedules in seconds. Runs are sequential and in time order; a failing run is
 * reported and the schedule goes on, like a Lambda invocation that errored.
 */
import { collectors as catalog, collectorSchedules } from '../core/catalog/collectors.ts';

export interface ScheduledRun {
  collector: string;
  at: Date;
  result?: unknown;
  error?: unknown;
}

export interface CollectorScheduler {
  /** Runs everything due up to `now`; returns what ran. */
  advanceTo(now: Date): Promise<ScheduledRun[]>;
  /** Next due time per collector. */
  next(): Record<string, Date>;
}

export function createCollectorScheduler(options: {
  start: Date;
  /** Collector name → one tick at `at`. Collectors without a runner are skipped. */
  runners: Partial<Record<string, (at: Date) => Promise<unknown>>>;
  onRun?: (run: ScheduledRun) => void;
}): CollectorScheduler {
  const due = new Map<string, Date>();
  for (const c of catalog) {
    if (options.runners[c.name])
      due.set(c.name, collectorSchedules[c.name].nextAfter(new Date(options.start.getTime() - 1)));
  }
  return {
    next: () => Object.fromEntries(due),
    async advanceTo(now) {
      const ran: ScheduledRun[] = [];
      for (;;) {
        let name: string | undefined;
        let at: Date | undefined;
        for (const [n, d] of due) if (d <= now && (!at || d < at)) [name, at] = [n, d];
        if (!name || !at) break;
        due.set(name, collectorSchedules[name as keyof typeof collectorSchedules].nextAfter(at));
        const run: ScheduledRun = { collector: name, at };
        try {
          run.result = await options.runners[name]!(at);
        } catch (error) {
          run.error = error;
        }
        ran.push(run);
        options.onRun?.(run);
      }
      return ran;
    },
  };
}
