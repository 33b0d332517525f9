import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { IncomingWebhookSendArguments } from '@slack/webhook';
import { findAlert } from '../../core/alerting/labels.ts';
import {
  defaultGroupPolicy,
  nextNotification,
  transition,
  type GroupPolicy,
} from '../../core/alerting/grouping.ts';
import { backoffMs, defaultBackoff, type BackoffOptions } from '../../core/alerting/backoff.ts';
import { buildSlackMessage } from '../../core/alerting/slack-message.ts';
import { classifySlackAnswer, type SlackOutcome } from '../../core/alerting/slack-response.ts';
import { dueAt, raise, resolve, toGroup, type OutboxRow } from './outbox.ts';
import { isDatabaseGoingAway, withTransaction } from '../postgres/pool.ts';
import { postToSlack } from './slack-post.ts';
import type { EmailTransport } from './email.ts';
import { createEmailStep } from './email-step.ts';
import { describeError } from '../../core/describe-error.ts';

/**
 * Delivers the outbox to one Slack incoming webhook, and critical alerts by email too.
 *
 * - Pacing: at most one post per `minIntervalMs` (1 s) per webhook, across every dispatcher:
 *   the webhook's `alert_channels` row is locked (`for update skip locked`) for each send and
 *   holds `next_send_at`. A 429 pushes `next_send_at` by `Retry-After`.
 * - Order: due groups go out oldest due first; a failing head blocks the rest (no reordering).
 * - Retries: 5xx and network errors back off exponentially (1 s → 60 s); nothing is dropped.
 * - Terminal 4xx: the message goes to `alert_dead_letters`; a dead webhook (`no_service`,
 *   `channel_is_archived`, …) stops Slack sends and raises `slack-webhook-dead`, a critical
 *   alert that reaches the operator by email. Rows wait in the outbox until a probe succeeds.
 * - Probe: daily, a short post proves the webhook still accepts messages (every 15 min while
 *   it is dead, so a fixed webhook resumes by itself).
 * - Several dispatchers never double-send: rows and the channel are claimed with row locks.
 */

export interface DispatcherOptions {
  pool: pg.Pool;
  webhookUrl: string;
  /** The second route. Without it (or `emailTo`), email stays pending in the outbox. */
  emailTransport?: EmailTransport | undefined;
  emailFrom?: string | undefined;
  emailTo?: string | undefined;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  policy?: GroupPolicy;
  backoff?: BackoffOptions;
  /** Jitter for back-off; omit for a deterministic schedule. */
  random?: () => number;
  minIntervalMs?: number;
  /** A tick waits inline for pacing up to this long; longer waits end the tick. */
  maxInlineWaitMs?: number;
  maxSendsPerTick?: number;
  probeIntervalMs?: number;
  deadProbeIntervalMs?: number;
  timeoutMs?: number;
  runbookBaseUrl?: string | undefined;
  dashboardUrl?: string | undefined;
  stage?: string | undefined;
}

export interface TickSummary {
  sent: number;
  /** Rows whose stored due time was stale: re-dated, nothing posted. */
  rescheduled: number;
  rateLimited: number;
  retried: number;
  deadLettered: number;
  emailed: number;
  emailFailed: number;
  probe: ProbeResult | null;
}

export interface ProbeResult {
  ok: boolean;
  /** `ok`, a Slack error code, `rate_limited`, a network error code, or `busy`. */
  code: string;
  status: number | null;
}

export interface Dispatcher {
  /** Stable id of the webhook (a hash: the URL itself is a secret). */
  readonly channel: string;
  tick(): Promise<TickSummary>;
  probe(): Promise<ProbeResult>;
  /**
   * Polls `tick` every `pollMs` until `stop()`. A failing tick is logged and retried with
   * back-off; after `maxConsecutiveFailures` in a row the loop ends and `done` rejects with
   * {@link DispatchLoopFailed}, so a dispatcher whose database is gone says so and exits.
   */
  start(options?: LoopOptions): RunningDispatcher;
}

export interface LoopOptions {
  pollMs?: number;
  /** Failed ticks in a row before the loop gives up (default: never, e.g. local staging). */
  maxConsecutiveFailures?: number;
  /** Wait between failed ticks (default 1 s doubling to 30 s), in the dispatcher's clock. */
  failureBackoff?: BackoffOptions;
  /** One line per failure, recovery and giving up; ids and error codes only. */
  log?: (line: string) => void;
  /** After each tick (heartbeats). */
  onTick?: (
    outcome: { ok: true; summary: TickSummary } | { ok: false; error: unknown; failures: number },
  ) => void | Promise<void>;
}

export interface RunningDispatcher {
  /** Resolves when stopped; rejects with {@link DispatchLoopFailed} when the loop gave up. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export const defaultLoopBackoff: BackoffOptions = { baseMs: 1_000, maxMs: 30_000, factor: 2 };

/** The dispatch loop gave up: `failures` ticks in a row threw; `cause` is the last error. */
export class DispatchLoopFailed extends Error {
  readonly failures: number;
  constructor(failures: number, cause: unknown) {
    super(`${failures} dispatch ticks in a row failed: ${describeError(cause)}`, { cause });
    this.name = 'DispatchLoopFailed';
    this.failures = failures;
  }
}

interface ChannelRow {
  channel: string;
  next_send_at: Date;
  failures: number;
  dead_at: Date | null;
  last_probe_at: Date | null;
}

type Step =
  | { type: 'sent' }
  | { type: 'rescheduled' }
  | { type: 'idle' }
  | { type: 'busy' }
  | { type: 'wait'; until: Date }
  | { type: 'failed'; outcome: SlackOutcome };

export const PROBE_TEXT =
  ':white_check_mark: Vigie alert path check: this webhook accepts posts. (Daily; no action needed.)';

export function channelId(webhookUrl: string): string {
  return `slack-${createHash('sha256').update(webhookUrl).digest('hex').slice(0, 16)}`;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const pool = options.pool;
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const policy = options.policy ?? defaultGroupPolicy;
  const backoff = options.backoff ?? defaultBackoff;
  const minIntervalMs = options.minIntervalMs ?? 1_000;
  const maxInlineWaitMs = options.maxInlineWaitMs ?? 2_000;
  const maxSends = options.maxSendsPerTick ?? 50;
  const probeIntervalMs = options.probeIntervalMs ?? 24 * 3_600_000;
  const deadProbeIntervalMs = options.deadProbeIntervalMs ?? 15 * 60_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const channel = channelId(options.webhookUrl);

  async function ensureChannel(): Promise<void> {
    // The first probe is one interval after the channel is first seen, not on the first tick.
    await pool.query(
      `insert into alert_channels (channel, next_send_at, last_probe_at) values ($1, $2, $2)
       on conflict (channel) do nothing`,
      [channel, now()],
    );
  }

  /**
   * Runs `fn` holding this webhook's row lock; `'busy'` when another dispatcher holds it. A tick
   * skips a held channel (the holder is sending); with `waitMs` the caller queues behind the
   * holder's send instead, for at most that long: a probe run while the dispatcher drains a
   * backlog would otherwise find the row held at every try.
   */
  function withChannel<T>(
    fn: (client: pg.PoolClient, row: ChannelRow) => Promise<T>,
    { waitMs }: { waitMs?: number } = {},
  ): Promise<T | 'busy'> {
    return withTransaction(pool, async (client) => {
      if (waitMs !== undefined) {
        await client.query(`select set_config('lock_timeout', $1, true)`, [`${waitMs}ms`]);
      }
      let rows: ChannelRow[];
      try {
        ({ rows } = await client.query<ChannelRow>(
          `select * from alert_channels where channel = $1 for update${waitMs === undefined ? ' skip locked' : ''}`,
          [channel],
        ));
      } catch (error) {
        // lock_not_available: still held after waitMs (the transaction is rolled back).
        if ((error as { code?: string }).code === '55P03') return 'busy';
        throw error;
      }
      if (waitMs !== undefined) await client.query(`select set_config('lock_timeout', '0', true)`);
      const row = rows[0];
      return row ? fn(client, row) : 'busy';
    });
  }

  async function post(message: IncomingWebhookSendArguments): Promise<SlackOutcome> {
    const answer = await postToSlack(options.webhookUrl, message, { timeoutMs });
    return classifySlackAnswer(answer, now());
  }

  /** Records a refused message and, when the webhook itself is dead, stops using it. */
  async function onTerminal(
    client: pg.PoolClient,
    outcome: Extract<SlackOutcome, { kind: 'terminal' }>,
    refused: { outboxId: number | null; alertId: string; dedupKey: string; notification: string },
    payload: unknown,
  ): Promise<void> {
    const at = now();
    const { rows } = await client.query<{ id: number }>(
      `insert into alert_dead_letters
         (outbox_id, channel, alert_id, dedup_key, notification, status, code, payload, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
      [
        refused.outboxId,
        channel,
        refused.alertId,
        refused.dedupKey,
        refused.notification,
        outcome.status,
        outcome.code,
        JSON.stringify(payload),
        at,
      ],
    );
    if (outcome.scope === 'webhook') {
      await client.query(
        `update alert_channels set dead_at = $2, dead_status = $3, dead_code = $4,
                next_send_at = $5, updated_at = $2
          where channel = $1`,
        [channel, at, outcome.status, outcome.code, new Date(at.getTime() + minIntervalMs)],
      );
      await raise(
        client,
        {
          alertId: 'slack-webhook-dead',
          labels: { channel, status: outcome.status, code: outcome.code },
          at,
        },
        policy,
      );
    } else {
      await pacedAfter(client, at, minIntervalMs, 0);
      await raise(
        client,
        {
          alertId: 'alert-dead-letters-present',
          labels: {
            channel,
            outboxId: refused.outboxId ?? rows[0]?.id ?? 0,
            status: outcome.status,
            code: outcome.code,
          },
          at,
        },
        policy,
      );
    }
  }

  async function pacedAfter(
    client: pg.PoolClient,
    at: Date,
    waitMs: number,
    failures: number,
  ): Promise<void> {
    await client.query(
      `update alert_channels set next_send_at = $2, failures = $3, updated_at = $4 where channel = $1`,
      [channel, new Date(at.getTime() + waitMs), failures, at],
    );
  }

  /** Applies a non-terminal outcome to the channel's pacing; returns the step to report. */
  async function onTransient(
    client: pg.PoolClient,
    row: ChannelRow,
    outcome: Exclude<SlackOutcome, { kind: 'terminal' }>,
  ): Promise<void> {
    const at = now();
    if (outcome.kind === 'ok') await pacedAfter(client, at, minIntervalMs, 0);
    else if (outcome.kind === 'rate-limited') {
      await pacedAfter(client, at, Math.max(outcome.retryAfterMs, minIntervalMs), row.failures);
    } else {
      const failures = row.failures + 1;
      await pacedAfter(
        client,
        at,
        Math.max(backoffMs(failures, backoff, options.random), minIntervalMs),
        failures,
      );
    }
  }

  /**
   * The next due message. A group never notified goes first: at 1 message/s, a new problem
   * must not wait behind the updates and reminders of alerts already known (a full staging's
   * open alerts kept a new one queued for 15 s; an incident storm would do the same).
   */
  async function slackStep(): Promise<Step> {
    const result = await withChannel<Step>(async (client, row) => {
      if (row.dead_at) return { type: 'idle' };
      const t = now();
      const { rows } = await client.query<OutboxRow>(
        `select * from alert_outbox
          where next_attempt_at <= $1 and state in ('pending', 'sent')
          order by sent_at is not null, next_attempt_at, id
          limit 1
          for update skip locked`,
        [t],
      );
      const due = rows[0];
      if (!due) return { type: 'idle' };
      if (row.next_send_at.getTime() > t.getTime())
        return { type: 'wait', until: row.next_send_at };

      const group = toGroup(due);
      const notification = nextNotification(group, policy);
      if (!notification || notification.dueAt.getTime() > t.getTime()) {
        // The stored due time was stale (e.g. policy changed): store the right one, move on.
        await client.query(`update alert_outbox set next_attempt_at = $2 where id = $1`, [
          due.id,
          notification?.dueAt ?? null,
        ]);
        return { type: 'rescheduled' };
      }
      const alert = findAlert(due.alert_id);
      const message = buildSlackMessage({
        alert,
        labels: due.labels,
        kind: notification.kind,
        occurrences: due.occurrences,
        firstRaisedAt: due.first_raised_at,
        lastRaisedAt: due.last_raised_at,
        resolvedAt: due.resolved_at,
        runbookBaseUrl: options.runbookBaseUrl,
        dashboardUrl: options.dashboardUrl,
        stage: options.stage,
      });
      const outcome = await post(message);
      const at = now();
      if (outcome.kind === 'ok') {
        const next = transition(
          group,
          { type: 'delivered', at, kind: notification.kind, occurrences: due.occurrences },
          policy,
        );
        await client.query(
          `update alert_outbox
              set state = $2, notified_occurrences = $3, sent_at = $4, resolve_sent_at = $5,
                  next_attempt_at = $6, attempts = attempts + 1, last_error = null,
                  notified_labels = $7
            where id = $1`,
          [
            due.id,
            next.state,
            next.notifiedOccurrences,
            next.lastNotifiedAt,
            next.resolveNotifiedAt,
            dueAt(next, policy),
            due.labels,
          ],
        );
        await onTransient(client, row, outcome);
        return { type: 'sent' };
      }
      const error =
        outcome.kind === 'terminal'
          ? outcome.code
          : outcome.kind === 'rate-limited'
            ? 'rate_limited'
            : outcome.reason;
      if (outcome.kind === 'terminal') {
        await client.query(
          `update alert_outbox set state = 'dead', next_attempt_at = null,
                  attempts = attempts + 1, last_error = $2
            where id = $1`,
          [due.id, error],
        );
        await onTerminal(
          client,
          outcome,
          {
            outboxId: due.id,
            alertId: due.alert_id,
            dedupKey: due.dedup_key,
            notification: notification.kind,
          },
          message,
        );
      } else {
        await client.query(
          `update alert_outbox set attempts = attempts + 1, last_error = $2 where id = $1`,
          [due.id, error],
        );
        await onTransient(client, row, outcome);
      }
      return { type: 'failed', outcome };
    });
    return result === 'busy' ? { type: 'busy' } : result;
  }

  const emailStep =
    options.emailTransport && options.emailTo
      ? createEmailStep({
          pool,
          transport: options.emailTransport,
          from: options.emailFrom ?? 'vigie@localhost.test',
          to: options.emailTo,
          now,
          backoff,
          random: options.random,
          runbookBaseUrl: options.runbookBaseUrl,
          stage: options.stage,
        })
      : async () => 'idle' as const;

  async function probe(): Promise<ProbeResult> {
    await ensureChannel();
    // Wait out pacing first (bounded), so the probe itself never causes a 429.
    const { rows } = await pool.query<ChannelRow>(
      `select * from alert_channels where channel = $1`,
      [channel],
    );
    const waitMs = (rows[0]?.next_send_at.getTime() ?? 0) - now().getTime();
    if (waitMs > 0) {
      if (waitMs > maxInlineWaitMs) return { ok: false, code: 'paced', status: null };
      await sleep(waitMs);
    }
    // A send holds the channel for at most its post's timeout and a few statements.
    const result = await withChannel<ProbeResult>(
      async (client, row) => {
        // The send it queued behind has just moved the pacing on: wait that out too, holding
        // the channel (ticks skip it meanwhile), or the probe's post is the 429.
        const pacedMs = row.next_send_at.getTime() - now().getTime();
        if (pacedMs > maxInlineWaitMs) return { ok: false, code: 'paced', status: null };
        if (pacedMs > 0) await sleep(pacedMs);
        const outcome = await post({ text: PROBE_TEXT });
        const at = now();
        if (outcome.kind === 'terminal') {
          await onTerminal(
            client,
            outcome,
            {
              outboxId: null,
              alertId: 'alert-probe-failed',
              dedupKey: `probe/${channel}`,
              notification: 'probe',
            },
            { text: PROBE_TEXT },
          );
          await client.query(
            `update alert_channels set last_probe_at = $2, last_probe_ok = false where channel = $1`,
            [channel, at],
          );
          return { ok: false, code: outcome.code, status: outcome.status };
        }
        await onTransient(client, row, outcome);
        if (outcome.kind === 'rate-limited') {
          // Not a verdict on the webhook: try again on a later tick.
          return { ok: false, code: 'rate_limited', status: 429 };
        }
        const ok = outcome.kind === 'ok';
        await client.query(
          `update alert_channels
            set last_probe_at = $2, last_probe_ok = $3,
                dead_at = case when $3 then null else dead_at end,
                dead_status = case when $3 then null else dead_status end,
                dead_code = case when $3 then null else dead_code end
          where channel = $1`,
          [channel, at, ok],
        );
        if (ok) {
          if (row.dead_at) {
            await resolve(
              client,
              { alertId: 'slack-webhook-dead', labels: { channel }, at },
              policy,
            );
          }
          return { ok: true, code: 'ok', status: 200 };
        }
        const code = outcome.kind === 'retryable' ? outcome.reason : 'error';
        await raise(
          client,
          { alertId: 'alert-probe-failed', labels: { channel, code }, at },
          policy,
        );
        return { ok: false, code, status: null };
      },
      { waitMs: timeoutMs + 5_000 },
    );
    return result === 'busy' ? { ok: false, code: 'busy', status: null } : result;
  }

  async function probeDue(): Promise<boolean> {
    const { rows } = await pool.query<ChannelRow>(
      `select * from alert_channels where channel = $1`,
      [channel],
    );
    const row = rows[0];
    if (!row) return false;
    const interval = row.dead_at ? deadProbeIntervalMs : probeIntervalMs;
    const last = row.last_probe_at?.getTime() ?? 0;
    return now().getTime() - last >= interval;
  }

  async function tick(): Promise<TickSummary> {
    await ensureChannel();
    const summary: TickSummary = {
      sent: 0,
      rescheduled: 0,
      rateLimited: 0,
      retried: 0,
      deadLettered: 0,
      emailed: 0,
      emailFailed: 0,
      probe: null,
    };
    for (let i = 0; i < maxSends; i += 1) {
      const step = await slackStep();
      if (step.type === 'sent') {
        summary.sent += 1;
        continue;
      }
      if (step.type === 'rescheduled') {
        summary.rescheduled += 1;
        continue;
      }
      if (step.type === 'failed') {
        if (step.outcome.kind === 'rate-limited') summary.rateLimited += 1;
        else if (step.outcome.kind === 'terminal') summary.deadLettered += 1;
        else summary.retried += 1;
        continue;
      }
      if (step.type === 'wait') {
        const waitMs = step.until.getTime() - now().getTime();
        if (waitMs <= maxInlineWaitMs) {
          await sleep(Math.max(0, waitMs));
          continue;
        }
      }
      break;
    }
    for (let i = 0; i < maxSends; i += 1) {
      const step = await emailStep();
      if (step === 'idle') break;
      if (step === 'sent') summary.emailed += 1;
      else summary.emailFailed += 1;
    }
    if (await probeDue()) summary.probe = await probe();
    return summary;
  }

  function start(loop: LoopOptions = {}): RunningDispatcher {
    const pollMs = loop.pollMs ?? 1_000;
    const maxFailures = loop.maxConsecutiveFailures ?? Number.POSITIVE_INFINITY;
    const failureBackoff = loop.failureBackoff ?? defaultLoopBackoff;
    const log = loop.log ?? (() => {});
    let stopped = false;
    let wake: () => void = () => {};
    const stoppedSignal = new Promise<void>((r) => {
      wake = r;
    });
    const pause = (ms: number) => Promise.race([sleep(ms), stoppedSignal]);
    const done = (async () => {
      let failures = 0;
      while (!stopped) {
        let waitMs = pollMs;
        try {
          const summary = await tick();
          if (failures > 0) log(`alert dispatcher: recovered after ${failures} failed tick(s)`);
          failures = 0;
          await loop.onTick?.({ ok: true, summary });
        } catch (error) {
          // Ctrl-C reaches Postgres and us together: a tick cut off by Postgres's shutdown while
          // we are stopping too is the shutdown, not a failure to report.
          if (isDatabaseGoingAway(error)) await pause(1_000);
          if (stopped) break;
          failures += 1;
          await loop.onTick?.({ ok: false, error, failures });
          if (failures >= maxFailures) {
            log(
              `alert dispatcher: tick failed ${failures} time(s) in a row, giving up: ${describeError(error)}`,
            );
            throw new DispatchLoopFailed(failures, error);
          }
          waitMs = Math.max(pollMs, backoffMs(failures, failureBackoff, options.random));
          log(
            `alert dispatcher: tick failed (${failures}${Number.isFinite(maxFailures) ? `/${maxFailures}` : ''}), retrying in ${Math.round(waitMs / 100) / 10} s: ${describeError(error)}`,
          );
        }
        if (!stopped) await pause(waitMs);
      }
    })();
    // `done` is for the caller to watch; `stop()` must not raise an unhandled rejection.
    done.catch(() => {});
    return {
      done,
      async stop() {
        stopped = true;
        wake();
        await done.catch(() => {});
      },
    };
  }

  return { channel, tick, probe, start };
}
