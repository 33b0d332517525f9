import type { Dispatcher, ProbeResult, TickSummary } from '../../adapters/alerts/dispatcher.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import { finish, type RaiseAlert, type TickBase, unreadFrom } from '../shared/tick.ts';

/**
 * The production alert dispatcher: EventBridge fires this every minute and it drains the
 * outbox to Slack (critical alerts by email too) by running the dispatcher's tick every
 * `pollMs` for up to `budgetMs` (~50 s, so two runs never overlap by much; the dispatcher's row
 * locks make an overlap harmless anyway). The daily Slack probe runs inside a tick when due.
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
