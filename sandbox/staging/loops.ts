/**
 * The loops that make local staging behave like production over time: the alert dispatcher
 * (Slack, email for critical alerts, its daily probe — production's `alert-dispatch` collector), the Better Stack pinger (its
 * incidents reach the alert router through the app's incident webhook), and the collector scheduler (the local EventBridge Scheduler).
 * Each runs on the staging clock (`VIGIE_TIME_SCALE`), driven by real-time timers.
 */
import type { Meter } from '@opentelemetry/api';
import { createDispatcher } from '../../adapters/alerts/dispatcher.ts';
import { createSmtpTransport } from '../../adapters/alerts/email.ts';
import type { Pool } from '../../adapters/postgres/pool.ts';
import { collectorWirings, loadRunner } from '../../collectors/registry.ts';
import { recordRun } from '../../collectors/shared/record-metrics.ts';
import type { TickBase } from '../../collectors/shared/tick.ts';
import type { Config } from '../../core/config.ts';
import { heartbeatSettings as heartbeatSetting } from '../../core/heartbeat-settings.ts';
import { isVigieError } from '../../core/errors.ts';
import type { Telemetry } from '../../telemetry/init.ts';
import { pingHeartbeat } from '../../telemetry/heartbeat.ts';
import { scrubText } from '../../telemetry/scrub.ts';
import { withTelemetry } from '../../telemetry/with-telemetry.ts';
import { createPinger, type Pinger } from '../betterstack/pinger.ts';
import type { BetterStackStore } from '../betterstack/store.ts';
import {
  type CollectorScheduler,
  createCollectorScheduler,
  type ScheduledRun,
} from '../collector-scheduler.ts';
import { every, type StagingClock } from './clock.ts';

type Log = (line: string) => void;

/** Polls the outbox every real second; pacing and probe intervals are in staging-clock time. */
export function startAlertDispatcher(options: {
  pool: Pool;
  config: Config;
  clock: StagingClock;
  /** When given, each staging minute's deliveries are recorded as the collector's gauges. */
  meter?: Meter;
  log?: Log;
}): { stop(): Promise<void> } {
  const { config, clock } = options;
  if (config.SLACK_WEBHOOK_URL === undefined) return { stop: async () => {} };
  const transport = config.SMTP_URL ? createSmtpTransport(config.SMTP_URL) : undefined;
  const dispatcher = createDispatcher({
    pool: options.pool,
    webhookUrl: config.SLACK_WEBHOOK_URL,
    emailTransport: transport,
    emailFrom: config.MAIL_FROM,
    emailTo: config.ALERT_EMAIL_TO,
    now: clock.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, clock.toRealMs(ms))),
    // One real second between posts whatever the scale: Slack's limit is in real time.
    minIntervalMs: 1_000 * clock.scale,
    maxInlineWaitMs: 2_000 * clock.scale,
    runbookBaseUrl: config.ALERT_RUNBOOK_BASE_URL,
    dashboardUrl: config.ALERT_DASHBOARD_URL,
    stage: config.VIGIE_STAGE,
  });
  // This loop is staging's `alert-dispatch` collector (the scheduler skips that one: both would
  // drain one outbox on two clocks). It pings the collector's heartbeat as its Lambda would:
  // after a good tick at most once per staging minute, `/fail` when a tick throws. It never
  // gives up (staging outlives a database restart) but logs each failure and backs off.
  const heartbeatUrl = config[heartbeatSetting['alert-dispatch']];
  let lastPing = -Infinity;
  let lastRecord = -Infinity;
  const window = { sent: 0, failed: 0 };
  const loop = dispatcher.start({
    // Poll and back-off in real seconds whatever the scale (the dispatcher sleeps in clock time).
    pollMs: 1_000 * clock.scale,
    failureBackoff: { baseMs: 1_000 * clock.scale, maxMs: 30_000 * clock.scale, factor: 2 },
    log: options.log ?? (() => {}),
    onTick: async (outcome) => {
      const t = clock.now().getTime();
      if (outcome.ok) {
        const s = outcome.summary;
        window.sent += s.sent + s.emailed;
        window.failed += s.rateLimited + s.retried + s.deadLettered + s.emailFailed;
      }
      // A staging minute stands for one run of the collector: its gauges, as its Lambda records them.
      if (options.meter && outcome.ok && t - lastRecord >= 60_000) {
        lastRecord = t;
        recordRun(options.meter, 'alert-dispatch', {
          collector: 'alert-dispatch',
          at: new Date(t).toISOString(),
          status: 'ok',
          unread: [],
          alertsRaised: [],
          metrics: [
            { name: 'vigie_alert_dispatch_sent', value: window.sent, labels: {} },
            { name: 'vigie_alert_dispatch_failed', value: window.failed, labels: {} },
          ],
        });
        window.sent = 0;
        window.failed = 0;
      }
      if (heartbeatUrl && (!outcome.ok || t - lastPing >= 60_000)) {
        lastPing = t;
        await pingHeartbeat(heartbeatUrl, outcome.ok ? 'success' : 'failure');
      }
    },
  });
  return {
    async stop() {
      await loop.stop();
      transport?.close();
    },
  };
}

/** Collectors the staging scheduler does not run: a staging loop does their work. */
export const RUN_BY_STAGING_LOOPS: readonly string[] = ['alert-dispatch'];

/**
 * Better Stack incidents → the alert router, as in AWS: an incident webhook on the stand-in
 * (created through its API, as `infra/` creates it on Better Stack) that POSTs each started
 * or resolved incident to the app's `POST /hooks/betterstack/incidents/<token>`.
 */
export async function registerIncidentWebhook(options: {
  baseUrl: string;
  token: string;
  hookUrl: string;
}): Promise<void> {
  const response = await fetch(`${options.baseUrl}/api/v2/outgoing-webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Vigie local: incidents to the alert router',
      url: options.hookUrl,
      trigger_type: 'incident_change',
      on_incident_started: true,
      on_incident_reopened: true,
      on_incident_resolved: true,
    }),
    signal: AbortSignal.timeout(5_000),
  });
  if (response.status !== 201) {
    throw new Error(`Better Stack stand-in refused the incident webhook (${response.status})`);
  }
}

/** The Better Stack pinger, starting its checks now on the staging clock. */
export function createStagingPinger(
  store: BetterStackStore,
  clock: StagingClock,
  /** Heartbeat ids whose collector is running now (not judged until its ping). */
  running?: () => ReadonlySet<string>,
): Pinger {
  const pinger = createPinger(store, {
    realTimeoutMs: 2_000,
    skipMissedChecks: clock.scale > 1,
    ...(running ? { running } : {}),
  });
  pinger.start(clock.now());
  return pinger;
}

/**
 * Advances the tickers to the same instant every real second, in order. The collector
 * scheduler's ticker starts the due runs without waiting for them (each collector is on its
 * own chain); the pinger then leaves alone the heartbeats of collectors still running, so a
 * compressed clock never reports a run as missed merely because it has not ended yet.
 */
export function driveClock(
  clock: StagingClock,
  tickers: Array<{ name: string; advanceTo(now: Date): Promise<unknown> }>,
  log: Log,
): { stop(): Promise<void> } {
  return every(
    1_000,
    async () => {
      const now = clock.now();
      for (const ticker of tickers) {
        try {
          await ticker.advanceTo(now);
        } catch (error) {
          log(`${ticker.name}: ${describe(error)}`);
        }
      }
    },
    (error) => log(`clock: ${describe(error)}`),
  );
}

/**
 * Fires each catalog collector at its schedule, with the runners of `collectors/registry.ts`
 * wrapped as their Lambda handlers are (span, Sentry capture, heartbeat ping or `/fail`,
 * metric points as gauges), logging one line per run. `driveClock` advances it.
 */
export function createStagingScheduler(options: {
  config: Config;
  clock: StagingClock;
  telemetry: Telemetry;
  heartbeatUrls: Record<string, string>;
  log: Log;
  /** Collectors made to throw on every run (the `collector crash` fault switch). */
  crashing?: ReadonlySet<string>;
}): CollectorScheduler {
  const { config, clock, telemetry } = options;
  const runners: Record<string, (at: Date) => Promise<unknown>> = {};
  for (const name of Object.keys(collectorWirings) as (keyof typeof collectorWirings)[]) {
    if (RUN_BY_STAGING_LOOPS.includes(name)) continue;
    const handler = withTelemetry(
      `collector.${name}`,
      async (at: Date) => {
        if (options.crashing?.has(name)) {
          throw new Error(
            `collector ${name} crashed (fault switch: npx vigie sandbox fault collector clear)`,
          );
        }
        // Loaded on the first run: staging starts without importing every collector's adapters.
        const summary = await (await loadRunner(name))(config, at);
        recordRun(telemetry.meter, name, summary);
        return summary;
      },
      { telemetry, heartbeatUrl: options.heartbeatUrls[name] },
    );
    runners[name] = (at) => handler(at, undefined);
  }
  return createCollectorScheduler({
    start: clock.now(),
    runners,
    onRun: (run) => options.log(runLine(run)),
    // A collector slower than its period on the compressed clock would replay a backlog that
    // only grows, each run judging a window long past: past 5 real seconds behind, it skips
    // to the latest slot (the run line says how many it skipped).
    maxLagMs: 5_000 * clock.scale,
  });
}

/** One line per run: status, alerts and unread sources — ids and codes only. */
export function runLine(run: ScheduledRun): string {
  const took = run.durationMs === undefined ? '' : ` (${run.durationMs} ms)`;
  const skipped = run.skipped ? ` after skipping ${run.skipped} late slot(s)` : '';
  const head = `collector ${run.collector} @ ${run.at.toISOString()}${took}${skipped}`;
  if (run.error !== undefined) return `${head}: failed — ${describe(run.error)}`;
  const summary = run.result as TickBase;
  const alerts = summary.alertsRaised.map((a) => a.alertId);
  const unread = summary.unread.map((u) => `${u.source} (${u.reason})`);
  return (
    `${head}: ${summary.status}` +
    (alerts.length > 0 ? ` · raised ${alerts.join(', ')}` : '') +
    (unread.length > 0 ? ` · could not read ${unread.join(', ')}` : '')
  );
}

function describe(error: unknown): string {
  const code = isVigieError(error) ? `${error.code}: ` : '';
  return `${code}${scrubText(error instanceof Error ? error.message : String(error))}`;
}
