import {
  assertNewCursor,
  N8nApiError,
  type N8nClient,
  type N8nExecution,
} from '../../adapters/n8n/client.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import { collectors } from '../../core/catalog/collectors.ts';
import { schedulePeriodSeconds } from '../../core/catalog/monitors.ts';
import { durationWindow, executionDurations } from '../../core/n8n-execution-time.ts';
import {
  computeFailureRate,
  type ExecutionRecord,
  type WorkflowRate,
} from '../../core/n8n-failure-rate.ts';
import {
  finish,
  raiseAndRecord,
  round,
  type RaiseAlert,
  type TickBase,
  unreadFrom,
} from '../shared/tick.ts';

export interface N8nFailureRateDeps {
  db: Queryable;
  raise: RaiseAlert;
  n8n: Pick<N8nClient, 'listExecutions'>;
  /** Default 60 minutes. */
  windowMinutes?: number;
  /** Safety stop for the cursor walk (250 per page). */
  maxPages?: number;
  /** How a 429's `Retry-After` is waited out (tests record instead of sleeping). */
  sleep?: (ms: number) => Promise<void>;
  /** When the open `n8n-unreachable` group began (`openSince` of the outbox): its minutes. */
  openSince: (
    db: Queryable,
    alert: { alertId: string; labels: Record<string, string> },
  ) => Promise<Date | null>;
  /** The period whose stopped executions a run times (default: the catalog schedule's, 15 min). */
  durationPeriodSeconds?: number;
}

/** This collector's schedule period: each run times the executions that stopped during it. */
const SCHEDULE_PERIOD_SECONDS = schedulePeriodSeconds(
  collectors.find((c) => c.name === 'n8n-failure-rate')!.schedule,
);

/**
 * n8n did not answer (5xx, timeout, connection refused): `n8n-unreachable`. A 429, a bad key or
 * a malformed page is an answer; those stay `collector-degraded` only.
 */
const UNREACHABLE: ReadonlySet<string> = new Set(['server', 'timeout', 'network']);

export interface N8nFailureRateSummary extends TickBase {
  windowMinutes: number;
  overall: WorkflowRate | null;
  /** Worst first, at most 10. */
  workflows: WorkflowRate[];
  warnings: string[];
  pagesRead: number;
  /** Seconds spent waiting out n8n's 429 `Retry-After` during this tick. */
  rateLimitedWaitSeconds: number;
  /** Finished executions timed by this run (those that stopped in its schedule period). */
  executionsTimed: number;
}

export interface ReadExecutionsOptions {
  /** Safety stop for the cursor walk (default 200 pages of 250). */
  maxPages?: number;
  sleep?: (ms: number) => Promise<void>;
  /** A 429 asking to wait longer than this is not waited out: the read fails (default 15 s). */
  maxRetryAfterSeconds?: number;
  /** 429s waited out per read before giving up (default 3). */
  maxRateLimitRetries?: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Executions started in `[from, to)`. n8n lists newest first; older versions have no
 * `startedAfter` filter, so we walk the cursor until `startedAt` falls before the window.
 */
export async function readExecutions(
  n8n: Pick<N8nClient, 'listExecutions'>,
  from: Date,
  to: Date,
  options: ReadExecutionsOptions = {},
): Promise<{ executions: ExecutionRecord[]; pages: number; rateLimitedWaitSeconds: number }> {
  const maxPages = options.maxPages ?? 200;
  const executions: ExecutionRecord[] = [];
  let cursor: string | undefined;
  const followed = new Set<string>();
  let pages = 0;
  let retries = 0;
  let rateLimitedWaitSeconds = 0;
  while (pages < maxPages) {
    let page: Awaited<ReturnType<N8nClient['listExecutions']>>;
    try {
      page = await n8n.listExecutions({ limit: 250, ...(cursor ? { cursor } : {}) });
    } catch (error) {
      // A 429 with a short Retry-After is waited out and the same page asked again; a long
      // one (or too many) fails the read, and the summary says rate_limited, not a rate.
      const wait = rateLimitWait(error, retries, options);
      if (wait === undefined) throw error;
      retries += 1;
      rateLimitedWaitSeconds += wait;
      await (options.sleep ?? realSleep)(wait * 1000);
      continue;
    }
    pages += 1;
    let reachedOlder = false;
    for (const e of page.data as N8nExecution[]) {
      if (e.startedAt === null) continue; // still queued
      const started = Date.parse(e.startedAt);
      if (Number.isNaN(started)) continue;
      if (started < from.getTime()) {
        reachedOlder = true;
        continue;
      }
      if (started < to.getTime())
        executions.push({
          id: e.id,
          workflowId: e.workflowId,
          status: e.status,
          startedAt: e.startedAt,
          stoppedAt: e.stoppedAt,
        });
    }
    if (reachedOlder || !page.nextCursor) break;
    assertNewCursor(followed, page.nextCursor);
    cursor = page.nextCursor;
  }
  return { executions, pages, rateLimitedWaitSeconds };
}

function rateLimitWait(
  error: unknown,
  retries: number,
  options: ReadExecutionsOptions,
): number | undefined {
  if (!(error instanceof N8nApiError) || error.kind !== 'rate_limited') return undefined;
  if (retries >= (options.maxRateLimitRetries ?? 3)) return undefined;
  // No Retry-After: one short pause, as n8n's own clients do.
  const wait = error.retryAfterSeconds ?? 1;
  return wait <= (options.maxRetryAfterSeconds ?? 15) ? wait : undefined;
}

export async function run(deps: N8nFailureRateDeps, now: Date): Promise<N8nFailureRateSummary> {
  const windowMinutes = deps.windowMinutes ?? 60;
  const summary: N8nFailureRateSummary = {
    collector: 'n8n-failure-rate',
    at: now.toISOString(),
    status: 'ok',
    unread: [],
    alertsRaised: [],
    metrics: [],
    windowMinutes,
    overall: null,
    workflows: [],
    warnings: [],
    pagesRead: 0,
    rateLimitedWaitSeconds: 0,
    executionsTimed: 0,
  };
  let read: Awaited<ReturnType<typeof readExecutions>>;
  try {
    read = await readExecutions(
      deps.n8n,
      new Date(now.getTime() - windowMinutes * 60_000),
      // Half-open window; an execution started in the tick's own millisecond still counts.
      new Date(now.getTime() + 1),
      {
        ...(deps.maxPages !== undefined ? { maxPages: deps.maxPages } : {}),
        ...(deps.sleep ? { sleep: deps.sleep } : {}),
      },
    );
  } catch (error) {
    const unread = unreadFrom('n8n.executions', error);
    summary.unread.push(unread);
    if (error instanceof N8nApiError && UNREACHABLE.has(error.kind)) {
      // Minutes since the first failing run of this outage (0 on the first one).
      const since = await deps.openSince(deps.db, { alertId: 'n8n-unreachable', labels: {} });
      const minutes = since
        ? Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000))
        : 0;
      await raiseAndRecord(
        deps,
        summary.alertsRaised,
        'n8n-unreachable',
        { errorCode: error.status ? `${error.kind}_${error.status}` : error.kind, minutes },
        now,
      );
    }
    return finish(deps, summary, now);
  }
  summary.pagesRead = read.pages;
  summary.rateLimitedWaitSeconds = read.rateLimitedWaitSeconds;
  const result = computeFailureRate(read.executions);
  summary.overall = result.overall;
  summary.workflows = result.perWorkflow.slice(0, 10);
  summary.warnings = result.warnings;
  for (const w of [result.overall, ...result.perWorkflow]) {
    if (w.rate === null) continue;
    const labels = { workflow_id: w.workflowId };
    summary.metrics.push({ name: 'vigie_n8n_failure_rate', value: w.rate, labels });
    summary.metrics.push({ name: 'vigie_n8n_executions_finished', value: w.finished, labels });
  }
  // Execution time: one observation per finished execution, by the run whose period it stopped
  // in, so the histogram counts it once although every run reads the whole hour.
  const window = durationWindow(now, deps.durationPeriodSeconds ?? SCHEDULE_PERIOD_SECONDS);
  for (const d of executionDurations(read.executions, window)) {
    summary.metrics.push({
      name: 'vigie.n8n.execution.duration',
      value: d.seconds,
      labels: { workflow_id: d.workflowId, status: d.status },
    });
    summary.executionsTimed += 1;
  }
  for (const a of result.alerts) {
    await raiseAndRecord(
      deps,
      summary.alertsRaised,
      'n8n-failure-rate-high',
      {
        workflowId: a.workflowId,
        failed: a.failures,
        finished: a.finished,
        ratePercent: round((a.rate ?? 0) * 100, 1),
      },
      now,
    );
  }
  return finish(deps, summary, now);
}
