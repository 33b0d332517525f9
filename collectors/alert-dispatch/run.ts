import type { Dispatcher, ProbeResult, TickSummary } from '../../adapters/alerts/dispatcher.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import { finish, type RaiseAlert, type TickBase, unreadFrom } from '../shared/tick.ts';

/**
 * The production alert dispatcher: EventBridge fires this every minute and it drains the
 * outbox to Slack (critical alerts by email too) by running the dispatcher's tick every
 * `pollMs` for up to `budgetMs` (~50 s, so two runs never overlap by much; the dispatcher's row
 * locks make an overlap harmless anyway). In Lambda the run also starts no tick that could
 * outlive the invocation: it stops once the time left (`remainingMs`, from the Lambda context)
 * is under `reserveMs`, a worst-case tick plus the telemetry flush. So a timeout set shorter
 * than the budget shortens the run instead of killing it mid-tick. The daily Slack probe runs
 * inside a tick when due.
 *
 * A tick that throws (a database blip) is retried on the next poll; if every tick of the run
 * failed the run throws, so the handler pings the heartbeat's `/fail` — the outbox lives in
 * that database, so raising an alert about it would not get through.
 */
export interface AlertDispatchDeps {
  db: Queryable;
  raise: RaiseAlert;
  dispatcher: Pick<Dispatcher, 'tick'>;
  /** Start no new tick after this many ms of the run. */
  budgetMs: number;
  pollMs: number;
  /** Time left before the Lambda timeout; absent when not run by Lambda (local staging, CLI). */
  remainingMs?: (() => number) | undefined;
  /** Start no new tick with less than this left (worst-case tick + flush). */
  reserveMs: number;
  /** A monotonic clock in ms (real time in Lambda; the test's fake clock in tests). */
  elapsedMs: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface AlertDispatchSummary extends TickBase {
  ticks: number;
  failedTicks: number;
  totals: Omit<TickSummary, 'probe'>;
  /** The probe's result when one ran during this run. */
  probe: ProbeResult | null;
}

export const DEFAULT_BUDGET_MS = 50_000;
export const DEFAULT_POLL_MS = 1_000;

/**
 * The longest a tick may take: `maxSendsPerTick` Slack posts at `timeoutMs` each, plus the
 * email and database work (a few seconds), plus the telemetry flush and heartbeat ping
 * after the run (`withTelemetry`: 2 s each).
 */
export function reserveFor({
  maxSends,
  sendTimeoutMs,
}: {
  maxSends: number;
  sendTimeoutMs: number;
}) {
  return maxSends * sendTimeoutMs + 10_000;
}

export async function run(deps: AlertDispatchDeps, now: Date): Promise<AlertDispatchSummary> {
  const summary: AlertDispatchSummary = {
    collector: 'alert-dispatch',
    at: now.toISOString(),
    status: 'ok',
    unread: [],
    alertsRaised: [],
    metrics: [],
    ticks: 0,
    failedTicks: 0,
    totals: {
      sent: 0,
      rescheduled: 0,
      rateLimited: 0,
      retried: 0,
      deadLettered: 0,
      emailed: 0,
      emailFailed: 0,
    },
    probe: null,
  };
  const started = deps.elapsedMs();
  // Too little time left for even one tick: end now (the next minute's run picks it up) rather
  // than be killed mid-send, which would leave a Slack post sent but not marked.
  if (deps.remainingMs && deps.remainingMs() < deps.reserveMs) {
    throw new Error(
      `alert-dispatch started with ${deps.remainingMs()} ms left, under its ${deps.reserveMs} ms reserve: raise the function's timeout`,
    );
  }
  let lastError: unknown;
  for (;;) {
    summary.ticks += 1;
    try {
      const { probe, ...counts } = await deps.dispatcher.tick();
      for (const key of Object.keys(summary.totals) as (keyof typeof counts)[])
        summary.totals[key] += counts[key];
      if (probe) summary.probe = probe;
    } catch (error) {
      summary.failedTicks += 1;
      lastError = error;
    }
    if (deps.elapsedMs() - started + deps.pollMs >= deps.budgetMs) break;
    if (deps.remainingMs && deps.remainingMs() - deps.pollMs < deps.reserveMs) break;
    await deps.sleep(deps.pollMs);
  }
  if (summary.failedTicks === summary.ticks) throw lastError;
  const t = summary.totals;
  summary.metrics.push(
    { name: 'vigie_alert_dispatch_sent', value: t.sent + t.emailed, labels: {} },
    {
      name: 'vigie_alert_dispatch_failed',
      value: t.rateLimited + t.retried + t.deadLettered + t.emailFailed,
      labels: {},
    },
  );
  if (summary.failedTicks > 0) summary.unread.push(unreadFrom('postgres.alert_outbox', lastError));
  return finish(deps, summary, now);
}
