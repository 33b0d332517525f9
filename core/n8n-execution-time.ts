/**
 * n8n execution time: how long each finished execution ran (`stoppedAt − startedAt`), for the
 * `vigie.n8n.execution.duration` histogram the n8n-failure-rate collector records.
 *
 * A histogram counts each execution once, but the collector reads the last hour on every run
 * (every 15 minutes): each run therefore observes only the executions that stopped during its
 * own schedule period, `[end − period, end)`, where `end` is the run's time floored to the
 * period (its scheduled time, even when the invocation starts a few seconds late). Consecutive
 * runs tile time, so every execution that stopped is observed exactly once, provided it started
 * within the hour the collector reads (one running longer is not observed; n8n's own timeout is
 * the place for those).
 */
import type { ExecutionRecord } from './n8n-failure-rate.ts';

/** Finished states with a meaningful duration (`waiting`, `new`, `running` have none yet). */
const FINISHED = new Set(['success', 'error', 'crashed', 'canceled']);

export interface ExecutionDuration {
  workflowId: string;
  status: string;
  seconds: number;
}

/** The period a run observes: `[end − period, end)`, `end` being `now` floored to the period. */
export function durationWindow(now: Date, periodSeconds: number): { start: Date; end: Date } {
  const periodMs = periodSeconds * 1000;
  const end = Math.floor(now.getTime() / periodMs) * periodMs;
  return { start: new Date(end - periodMs), end: new Date(end) };
}

/** Durations of the finished executions that stopped within `window`; the others are skipped. */
export function executionDurations(
  executions: readonly ExecutionRecord[],
  window: { start: Date; end: Date },
): ExecutionDuration[] {
  const out: ExecutionDuration[] = [];
  for (const e of executions) {
    if (!FINISHED.has(e.status) || !e.startedAt || !e.stoppedAt) continue;
    const started = Date.parse(e.startedAt);
    const stopped = Date.parse(e.stoppedAt);
    if (Number.isNaN(started) || Number.isNaN(stopped) || stopped < started) continue;
    if (stopped < window.start.getTime() || stopped >= window.end.getTime()) continue;
    out.push({ workflowId: e.workflowId, status: e.status, seconds: (stopped - started) / 1000 });
  }
  return out;
}
