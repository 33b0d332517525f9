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
import { buildAlertEmail } from '../../core/alerting/email-message.ts';
import { classifySlackAnswer, type SlackOutcome } from '../../core/alerting/slack-response.ts';
import { dueAt, raise, resolve, toGroup, type OutboxRow } from './outbox.ts';
import { withTransaction } from '../postgres/pool.ts';
import { postToSlack } from './slack-post.ts';
import type { EmailTransport } from './email.ts';

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
  /** Polls `tick` every `pollMs` until `stop()`. */
  start(pollMs?: number): { stop(): Promise<void> };
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

  /** Runs `fn` holding this webhook's row lock; `'busy'` when another dispatcher holds it. */
  function withChannel<T>(
    fn: (client: pg.PoolClient, row: ChannelRow) => Promise<T>,
  ): Promise<T | 'busy'> {
    return withTransaction(pool, async (client) => {
      const { rows } = await client.query<ChannelRow>(
        `select * from alert_channels where channel = $1 for update skip locked`,
        [channel],
      );
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

  async function slackStep(): Promise<Step> {
    const result = await withChannel<Step>(async (client, row) => {
      if (row.dead_at) return { type: 'idle' };
      const t = now();
      const { rows } = await client.query<OutboxRow>(
        `select * from alert_outbox
          where next_attempt_at <= $1 and state in ('pending', 'sent')
          order by next_attempt_at, id
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
        return { type: 'sent' };
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
                  next_attempt_at = $6, attempts = attempts + 1, last_error = null
            where id = $1`,
          [
            due.id,
            next.state,
            next.notifiedOccurrences,
            next.lastNotifiedAt,
            next.resolveNotifiedAt,
            dueAt(next, policy),
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

  async function emailStep(): Promise<'sent' | 'failed' | 'idle'> {
    const transport = options.emailTransport;
    const to = options.emailTo;
    if (!transport || !to) return 'idle';
    const client = await pool.connect();
    try {
      await client.query('begin');
      const t = now();
      const { rows } = await client.query<OutboxRow>(
        `select * from alert_outbox
          where email_state = 'pending' and email_due_at <= $1
          order by email_due_at, id limit 1 for update skip locked`,
        [t],
      );
      const row = rows[0];
      if (!row) {
        await client.query('commit');
        return 'idle';
      }
      const mail = buildAlertEmail({
        alert: findAlert(row.alert_id),
        labels: row.labels,
        occurrences: row.occurrences,
        firstRaisedAt: row.first_raised_at,
        runbookBaseUrl: options.runbookBaseUrl,
        stage: options.stage,
      });
      let outcome: 'sent' | 'failed';
      try {
        await transport.sendMail({
          from: options.emailFrom ?? 'vigie@localhost.test',
          to,
          ...mail,
        });
        await client.query(
          `update alert_outbox set email_state = 'sent', emailed_at = $2, email_attempts = email_attempts + 1
            where id = $1`,
          [row.id, now()],
        );
        outcome = 'sent';
      } catch (error) {
        const attempts = row.email_attempts + 1;
        const code = (error as { code?: unknown }).code;
        await client.query(
          `update alert_outbox set email_attempts = $2, email_due_at = $3, last_error = $4 where id = $1`,
          [
            row.id,
            attempts,
            new Date(now().getTime() + backoffMs(attempts, backoff, options.random)),
            `email:${typeof code === 'string' ? code : 'error'}`,
          ],
        );
        outcome = 'failed';
      }
      await client.query('commit');
      return outcome;
    } catch (error) {
      await client.query('rollback').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

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
    const result = await withChannel<ProbeResult>(async (client, row) => {
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
          await resolve(client, { alertId: 'slack-webhook-dead', labels: { channel }, at }, policy);
        }
        return { ok: true, code: 'ok', status: 200 };
      }
      const code = outcome.kind === 'retryable' ? outcome.reason : 'error';
      await raise(client, { alertId: 'alert-probe-failed', labels: { channel, code }, at }, policy);
      return { ok: false, code, status: null };
    });
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

  function start(pollMs = 1_000): { stop(): Promise<void> } {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        try {
          await tick();
        } catch {
          // A failed tick (database blip) is retried on the next poll; the outbox keeps the work.
        }
        if (!stopped) await sleep(pollMs);
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
      },
    };
  }

  return { channel, tick, probe, start };
}
