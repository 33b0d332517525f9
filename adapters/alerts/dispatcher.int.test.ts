import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlertPath, startAlertPath } from '../../testkit/alert-path.ts';
import type pg from 'pg';
import { withTransaction } from '../postgres/pool.ts';
import type { SlackStandIn } from '../../sandbox/slack/server.ts';
import type { SmtpStandIn } from '../../sandbox/smtp/server.ts';
import { raise, resolve } from './outbox.ts';
import {
  createDispatcher,
  DispatchLoopFailed,
  PROBE_TEXT,
  type DispatcherOptions,
} from './dispatcher.ts';
import { createPool } from '../postgres/pool.ts';
import { migrate } from '../postgres/migrate.ts';
import { createTestDatabase } from '../../testkit/pg.ts';

// Real Postgres (own database), real HTTP to the Slack stand-in through @slack/webhook, real
// SMTP to the capture server through nodemailer. Time is a fake clock shared by the
// dispatcher (`now`, `sleep`) and the Slack stand-in's rate limiter, so minutes pass instantly.
const T0 = Date.parse('2026-11-26T09:00:00Z');
const clock = { t: T0 };
const now = () => new Date(clock.t);
const sleep = async (ms: number) => {
  clock.t += ms;
};

let path: AlertPath;
let pool: pg.Pool;
let slack: SlackStandIn;
let smtp: SmtpStandIn;
let mailer: AlertPath['mailer'];
let webhookSeq = 0;
let webhook = '';

beforeAll(async () => {
  path = await startAlertPath({ clock, poolMax: 6 });
  ({ pool, slack, smtp, mailer } = path);
});

afterAll(async () => {
  await path?.close();
});

beforeEach(async () => {
  await path.reset(T0);
  // A fresh webhook per test: its own rate-limit bucket at the stand-in and channel row here.
  webhookSeq += 1;
  webhook = `BTEST${webhookSeq}`;
});

function dispatcher(extra: Partial<DispatcherOptions> = {}) {
  return createDispatcher({
    pool,
    webhookUrl: slack.webhookUrl(webhook),
    emailTransport: mailer,
    emailTo: 'oncall@localhost.test',
    now,
    sleep,
    ...extra,
  });
}

const failureRate = (workflowId: string, ratePercent = 35) => ({
  alertId: 'n8n-failure-rate-high',
  labels: { workflowId, failed: Math.round(ratePercent / 5), finished: 20, ratePercent },
  at: now(),
});

/** The workflow id each accepted message is about, in arrival order. */
function deliveredWorkflows(): string[] {
  return slack.messages
    .filter((m) => m.webhook === webhook)
    .map((m) => /Workflow (wf-\d+)/.exec(m.body.text ?? '')?.[1] ?? `other:${m.body.text}`);
}

function spacingOk(): boolean {
  const times = slack.attempts.filter((a) => a.webhook === webhook).map((a) => a.at);
  return times.every((t, i) => i === 0 || t - (times[i - 1] as number) >= 1_000);
}

describe('alert outbox and Slack dispatcher', () => {
  it('delivers every alert raised during a 10-minute Slack outage once, in order', async () => {
    const d = dispatcher();
    const raised: string[] = [];
    slack.setMode({ kind: 'outage', style: '503' });
    const end = T0 + 10 * 60_000;
    let i = 0;
    while (clock.t < end) {
      if (clock.t >= T0 + i * 45_000 && i < 12) {
        raised.push(`wf-${i}`);
        await raise(pool, failureRate(`wf-${i}`));
        if (i === 3) await raise(pool, failureRate('wf-0')); // a duplicate: same group
        i += 1;
      }
      // Half the outage answers 503, the other half resets the connection.
      if (clock.t >= T0 + 5 * 60_000) slack.setMode({ kind: 'outage', style: 'reset' });
      await d.tick();
      clock.t += 5_000;
    }
    expect(slack.messages).toHaveLength(0);
    const failedAttempts = slack.attempts.length;
    expect(failedAttempts).toBeGreaterThan(5);
    expect(slack.attempts.some((a) => a.status === 'reset')).toBe(true);
    expect(slack.attempts.some((a) => a.status === 503)).toBe(true);

    slack.setMode({ kind: 'ok' });
    for (let s = 0; s < 36; s += 1) {
      await d.tick();
      clock.t += 5_000;
    }
    expect(deliveredWorkflows()).toEqual(raised);
    const { rows } = await pool.query(`select state, occurrences from alert_outbox order by id`);
    expect(rows.every((r) => r.state === 'sent')).toBe(true);
    expect(rows[0]).toMatchObject({ occurrences: 2 });
    // Pacing held even while draining the backlog: no 429 from the stand-in.
    expect(slack.attempts.filter((a) => a.status === 429)).toHaveLength(0);
    expect(spacingOk()).toBe(true);
  });

  it('honours 429 Retry-After and paces to one message per second', async () => {
    const d = dispatcher();
    for (let i = 0; i < 5; i += 1) await raise(pool, failureRate(`wf-${i}`));
    clock.t += 1_000; // group wait
    slack.rateLimitNext(1, 7);
    for (let s = 0; s < 30; s += 1) {
      await d.tick();
      clock.t += 500;
    }
    const attempts = slack.attempts.filter((a) => a.webhook === webhook);
    expect(attempts[0]).toMatchObject({ status: 429, retryAfter: 7 });
    const accepted = attempts.filter((a) => a.status === 200);
    expect(accepted).toHaveLength(5);
    expect(
      (accepted[0] as { at: number }).at - (attempts[0] as { at: number }).at,
    ).toBeGreaterThanOrEqual(7_000);
    // Only the forced 429: the dispatcher's own pacing never tripped the 1 msg/s limit.
    expect(attempts.filter((a) => a.status === 429)).toHaveLength(1);
    expect(spacingOk()).toBe(true);
    expect(deliveredWorkflows()).toEqual(['wf-0', 'wf-1', 'wf-2', 'wf-3', 'wf-4']);
  });

  it('sends a new alert before the updates and reminders of alerts already notified', async () => {
    const d = dispatcher();
    for (let i = 0; i < 5; i += 1) await raise(pool, failureRate(`wf-${i}`));
    for (let s = 0; s < 20; s += 1) {
      await d.tick();
      clock.t += 500;
    }
    expect(deliveredWorkflows()).toEqual(['wf-0', 'wf-1', 'wf-2', 'wf-3', 'wf-4']);
    // Each known alert is raised again, worse by a step (its update is due after the group
    // interval), then a new one appears: the new one is due last but goes out first.
    for (let i = 0; i < 5; i += 1) await raise(pool, failureRate(`wf-${i}`, 60));
    clock.t += 5 * 60_000;
    await raise(pool, failureRate('wf-9'));
    clock.t += 1_000;
    for (let s = 0; s < 20; s += 1) {
      await d.tick();
      clock.t += 500;
    }
    const after = slack.messages.filter((m) => m.webhook === webhook).slice(5);
    expect(after).toHaveLength(6);
    expect(after[0]?.body.text).toContain('wf-9');
    expect(after[0]?.body.text).not.toContain('Still firing');
    expect(after.slice(1).every((m) => (m.body.text ?? '').includes('Still firing'))).toBe(true);
    expect(spacingOk()).toBe(true);
  });

  it('collapses a storm of 1,000 raises of one alert into one message plus an updated count', async () => {
    const d = dispatcher();
    for (let i = 0; i < 1_000; i += 1) {
      // Half way, after the first message, the rate passes a further step: news, sent once.
      await raise(pool, failureRate('wf-7', i < 500 ? 35 : 100));
      clock.t += 60; // 1,000 raises in one minute
      if (i % 20 === 19) await d.tick();
    }
    for (let s = 0; s < 7 * 60; s += 10) {
      await d.tick();
      clock.t += 10_000;
    }
    const texts = slack.messages.filter((m) => m.webhook === webhook).map((m) => m.body.text ?? '');
    expect(texts).toHaveLength(2);
    const first = Number(/\((\d+) occurrences?\)/.exec(texts[0] ?? '')?.[1]);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(1_000);
    expect(texts[1]).toContain('Still firing');
    expect(texts[1]).toContain('(1000 occurrences)');
    const { rows } = await pool.query(
      `select occurrences, notified_occurrences, state from alert_outbox`,
    );
    expect(rows).toEqual([{ occurrences: 1_000, notified_occurrences: 1_000, state: 'sent' }]);
  });

  it('a failing workflow re-raised at the same rate every 15 minutes: one message until the 4-hour reminder', async () => {
    const d = dispatcher();
    for (let run = 0; run < 8; run += 1) {
      await raise(pool, failureRate('wf-3', 35));
      for (let s = 0; s < 15 * 6; s += 1) {
        await d.tick();
        clock.t += 10_000;
      }
    }
    const texts = slack.messages.filter((m) => m.webhook === webhook).map((m) => m.body.text ?? '');
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('wf-3');
  });

  it('a level alert re-raised every 5 minutes: one message, an update only past a further step, then a reminder after 4 h', async () => {
    const d = dispatcher();
    const cacheHit = (percent: number) =>
      raise(pool, { alertId: 'db-cache-hit-low', labels: { kind: 'table', percent }, at: now() });
    const texts = () =>
      slack.messages.filter((m) => m.webhook === webhook).map((m) => m.body.text ?? '');
    // Three hours of db-health runs, every 5 minutes, the ratio wandering between 96.6% and 97%.
    for (let i = 0; i < 36; i += 1) {
      await cacheHit(97 - (i % 5) / 10);
      await d.tick();
      clock.t += 5 * 60_000;
    }
    // Before, each run's raise was an update 5 minutes later: 1 + 35 messages.
    expect(texts()).toHaveLength(1);
    // Sent after the group wait, with the second run's figure.
    expect(texts()[0]).toContain('The table cache-hit ratio is 96.9%. (2 occurrences)');
    expect(texts()[0]).not.toMatch(/Still firing|Reminder/);
    const firstAt = slack.attempts.filter((a) => a.webhook === webhook)[0]!.at;

    // The ratio passes the next step (95%): that is news.
    await cacheHit(93.5);
    for (let s = 0; s < 6; s += 1) {
      await d.tick();
      clock.t += 60_000;
    }
    expect(texts()).toHaveLength(2);
    expect(texts()[1]).toContain('Still firing');
    expect(texts()[1]).toContain('The table cache-hit ratio is 93.5%.');
    const updateAt = slack.attempts.filter((a) => a.webhook === webhook).at(-1)!.at;
    expect(updateAt).toBeGreaterThan(firstAt);

    // It stays there (and improves a little): counted, nothing posted, until the reminder.
    while (clock.t < updateAt + 4 * 3_600_000 - 5 * 60_000) {
      await cacheHit(94);
      await d.tick();
      clock.t += 5 * 60_000;
    }
    expect(texts()).toHaveLength(2);
    for (let s = 0; s < 12; s += 1) {
      await d.tick();
      clock.t += 60_000;
    }
    expect(texts()).toHaveLength(3);
    expect(texts()[2]).toContain('Reminder');
    const { rows } = await pool.query<{ occurrences: number; state: string }>(
      `select occurrences, state from alert_outbox where alert_id = 'db-cache-hit-low'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.state).toBe('sent');
    expect(rows[0]!.occurrences).toBeGreaterThan(36 + 40);
  });

  it('a level alert flapping around a step: judged against the last message, not the last raise', async () => {
    const d = dispatcher();
    const cacheHit = (percent: number) =>
      raise(pool, { alertId: 'db-cache-hit-low', labels: { kind: 'index', percent }, at: now() });
    const texts = () =>
      slack.messages.filter((m) => m.webhook === webhook).map((m) => m.body.text ?? '');
    // Three hours of 5-minute runs, the ratio either side of the 95% step at each run. The
    // first message says 94.9%: the step is passed, and passing it again is no news.
    for (let i = 0; i < 36; i += 1) {
      await cacheHit(i % 2 === 0 ? 94.9 : 95.1);
      clock.t += 2_000; // past the group wait
      await d.tick();
      clock.t += 5 * 60_000 - 2_000;
    }
    // Before, every other raise crossed the step again from 95.1%: an update each 10 minutes.
    expect(texts()).toHaveLength(1);
    expect(texts()[0]).toContain('The index cache-hit ratio is 94.9%.');

    // Passing the next step (90%) is news, and is judged against that message too.
    await cacheHit(89.5);
    for (let s = 0; s < 6; s += 1) {
      await d.tick();
      clock.t += 60_000;
    }
    expect(texts()).toHaveLength(2);
    expect(texts()[1]).toContain('Still firing');
    expect(texts()[1]).toContain('89.5%');
  });

  it('an alert raised at every health refresh: one message, then one past 5 and 30 minutes of failing', async () => {
    const d = dispatcher();
    const texts = () =>
      slack.messages.filter((m) => m.webhook === webhook).map((m) => m.body.text ?? '');
    // 40 minutes of Redis failing /readyz: a raise at every 5 s refresh from the second failure.
    for (let failures = 2; failures <= 480; failures += 1) {
      await raise(pool, {
        alertId: 'readyz-degraded',
        labels: { check: 'redis', failures },
        at: now(),
      });
      await d.tick();
      clock.t += 5_000;
    }
    // Before, every 5-minute group interval posted an update with the new count: 8 messages.
    expect(texts()).toHaveLength(3);
    expect(texts()[0]).not.toContain('Still firing');
    expect(texts()[1]).toMatch(/Still firing.*failed 6\d times/);
    expect(texts()[2]).toMatch(/Still firing.*failed 3[6-9]\d times/);
  });

  it('the spend cap re-raised by every recheck for an hour: one message', async () => {
    const d = dispatcher();
    for (let i = 0; i < 12; i += 1) {
      await raise(pool, {
        alertId: 'anthropic-spend-cap-reached',
        labels: { errorCode: 'enforced_spend_limit_reached' },
        at: now(),
      });
      for (let s = 0; s < 5; s += 1) {
        await d.tick();
        clock.t += 60_000;
      }
    }
    const texts = slack.messages.filter((m) => m.webhook === webhook).map((m) => m.body.text ?? '');
    // Before, each recheck's raise was an update: 12 messages.
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('enforced_spend_limit_reached');
  });

  it('sends a resolved message for a notified alert, and nothing for one resolved inside group wait', async () => {
    const d = dispatcher();
    await raise(pool, failureRate('wf-1'));
    clock.t += 1_000;
    await d.tick();
    await raise(pool, failureRate('wf-2'));
    clock.t += 200;
    await resolve(pool, {
      alertId: 'n8n-failure-rate-high',
      labels: { workflowId: 'wf-2' },
      at: now(),
    });
    await resolve(pool, {
      alertId: 'n8n-failure-rate-high',
      labels: { workflowId: 'wf-1' },
      at: now(),
    });
    for (let s = 0; s < 5; s += 1) {
      await d.tick();
      clock.t += 1_000;
    }
    const texts = slack.messages.map((m) => m.body.text ?? '');
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain('Resolved');
    expect(texts.join('\n')).not.toContain('wf-2');
    const { rows } = await pool.query(`select dedup_key, state from alert_outbox order by id`);
    expect(rows.map((r) => r.state)).toEqual(['sent', 'suppressed']);
  });

  it('dead-letters a terminal 4xx, marks the webhook dead and pages by email', async () => {
    const d = dispatcher();
    slack.setMode({ kind: 'terminal', code: 'channel_is_archived' }, webhook);
    await raise(pool, failureRate('wf-1'));
    await raise(pool, failureRate('wf-2'));
    clock.t += 1_000;
    await d.tick();
    clock.t += 1_000;
    const summary = await d.tick();
    expect(summary.emailed).toBe(1);

    // Only one post reached Slack: once the webhook is known dead, nothing else is attempted.
    expect(slack.attempts.filter((a) => a.webhook === webhook)).toHaveLength(1);
    const dead = await pool.query(
      `select outbox_id, code, status, notification from alert_dead_letters`,
    );
    expect(dead.rows).toEqual([
      { outbox_id: 1, code: 'channel_is_archived', status: 410, notification: 'firing' },
    ]);
    const outbox = await pool.query(`select alert_id, state from alert_outbox order by id`);
    expect(outbox.rows).toEqual([
      { alert_id: 'n8n-failure-rate-high', state: 'dead' },
      { alert_id: 'n8n-failure-rate-high', state: 'pending' },
      { alert_id: 'slack-webhook-dead', state: 'pending' },
    ]);
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0];
    expect(mail?.to).toEqual(['oncall@localhost.test']);
    expect(mail?.subject).toContain('[CRITICAL] Slack no longer accepts alerts');
    expect(mail?.text).toContain(`Webhook ${d.channel} answered HTTP 410 channel_is_archived`);
    expect(mail?.text).toContain('runbooks/alert-delivery.md');
    expect(mail?.text).not.toContain('localsecret'); // the webhook URL is a secret

    // The channel is unarchived: the next probe revives the webhook and the backlog flows.
    slack.setMode({ kind: 'ok' });
    expect(await d.probe()).toEqual({ ok: true, code: 'ok', status: 200 });
    for (let s = 0; s < 6; s += 1) {
      await d.tick();
      clock.t += 1_000;
    }
    expect(deliveredWorkflows().filter((w) => w.startsWith('wf-'))).toEqual(['wf-2']);
  });

  it('probes the webhook daily and detects a dead one', async () => {
    const d = dispatcher();
    expect((await d.tick()).probe).toBeNull();
    clock.t += 24 * 3_600_000;
    const healthy = await d.tick();
    expect(healthy.probe).toEqual({ ok: true, code: 'ok', status: 200 });
    expect(slack.messages.at(-1)?.body.text).toBe(PROBE_TEXT);

    slack.setMode({ kind: 'terminal', code: 'no_service' }, webhook);
    clock.t += 24 * 3_600_000;
    const dead = await d.tick();
    expect(dead.probe).toEqual({ ok: false, code: 'no_service', status: 404 });
    const channel = await pool.query(`select dead_code, last_probe_ok from alert_channels`);
    expect(channel.rows).toEqual([{ dead_code: 'no_service', last_probe_ok: false }]);
    const letters = await pool.query(`select notification, code from alert_dead_letters`);
    expect(letters.rows).toEqual([{ notification: 'probe', code: 'no_service' }]);
    clock.t += 1_000;
    await d.tick();
    expect(smtp.messages.map((m) => m.subject)).toEqual([
      '[CRITICAL] Slack no longer accepts alerts: the webhook is dead',
    ]);
  });

  it('a probe queues behind a send holding the channel, then waits out its pacing', async () => {
    const d = dispatcher();
    expect(await d.probe()).toEqual({ ok: true, code: 'ok', status: 200 }); // a message at T
    const sentAt = clock.t;
    // Another dispatcher mid-send (its message goes at T + 1 s, the first probe's pacing): it
    // holds the row for 1.5 real seconds and, as a send does, moves the pacing to T + 2 s.
    const holder = await pool.connect();
    await holder.query('begin');
    await holder.query(`select 1 from alert_channels where channel = $1 for update`, [d.channel]);
    const released = new Promise<void>((resolve) =>
      setTimeout(() => {
        void holder
          .query(`update alert_channels set next_send_at = $2 where channel = $1`, [
            d.channel,
            new Date(sentAt + 2_000),
          ])
          .then(() => holder.query('commit'))
          .finally(() => holder.release())
          .then(() => resolve());
      }, 1_500),
    );
    // Not busy (it waited for the row), not 429 (it waited out the pacing the send set).
    expect(await d.probe()).toEqual({ ok: true, code: 'ok', status: 200 });
    await released;
    const probes = slack.attempts.filter((a) => a.webhook === webhook).map((a) => a.at);
    expect(probes).toHaveLength(2);
    expect(probes[1]! - probes[0]!).toBeGreaterThanOrEqual(2_000);
  });

  it('a probe gives up as busy when the channel stays held past the send timeout', async () => {
    const d = dispatcher({ timeoutMs: 200 });
    await d.tick();
    const holder = await pool.connect();
    try {
      await holder.query('begin');
      await holder.query(`select 1 from alert_channels where channel = $1 for update`, [d.channel]);
      expect(await d.probe()).toEqual({ ok: false, code: 'busy', status: null });
    } finally {
      await holder.query('rollback');
      holder.release();
    }
  }, 15_000);

  it('never double-sends with two dispatchers on the same outbox', async () => {
    const a = dispatcher();
    const b = dispatcher();
    for (let i = 0; i < 6; i += 1) await raise(pool, failureRate(`wf-${i}`));
    clock.t += 1_000;
    for (let s = 0; s < 10; s += 1) {
      await Promise.all([a.tick(), b.tick()]);
      clock.t += 1_000;
    }
    expect(deliveredWorkflows()).toEqual(['wf-0', 'wf-1', 'wf-2', 'wf-3', 'wf-4', 'wf-5']);
  });

  it('writes nothing when raise runs in a transaction that rolls back, or gets bad labels', async () => {
    await expect(
      withTransaction(pool, async (client) => {
        await raise(client, failureRate('wf-1'));
        throw new Error('caller failed after raising');
      }),
    ).rejects.toThrow('caller failed');
    await expect(
      raise(pool, {
        alertId: 'n8n-failure-rate-high',
        labels: { workflowId: 'jane.doe@example.com', failed: 1, finished: 2, ratePercent: 50 },
        at: now(),
      }),
    ).rejects.toThrow(/must be an id or a number/);
    await expect(raise(pool, { alertId: 'no-such-alert', labels: {}, at: now() })).rejects.toThrow(
      /Unknown alert/,
    );
    const { rows } = await pool.query(`select count(*)::int as n from alert_outbox`);
    expect(rows[0].n).toBe(0);

    await withTransaction(pool, (client) => raise(client, failureRate('wf-1')));
    const after = await pool.query(`select count(*)::int as n from alert_outbox`);
    expect(after.rows[0].n).toBe(1);
  });

  it('re-dates a row whose stored due time is stale without counting it as sent', async () => {
    const d = dispatcher();
    await raise(pool, failureRate('wf-1'));
    clock.t += 1_000;
    expect((await d.tick()).sent).toBe(1);
    // The next notification (a repeat) is hours away; make the stored due time claim "now".
    await pool.query(`update alert_outbox set next_attempt_at = $1`, [now()]);
    clock.t += 1_000;
    const summary = await d.tick();
    expect(summary.sent).toBe(0);
    expect(summary.rescheduled).toBe(1);
    expect(slack.messages.filter((m) => m.webhook === webhook)).toHaveLength(1);
    const { rows } = await pool.query(`select next_attempt_at from alert_outbox`);
    expect(rows[0].next_attempt_at.getTime()).toBe(T0 + 1_000 + 4 * 3_600_000);
  });

  it('sends critical alerts by email through its own step, and retries a refused send', async () => {
    const d = dispatcher({
      emailTransport: {
        sendMail: async () => {
          throw Object.assign(new Error('refused'), { code: 'EENVELOPE' });
        },
      },
    });
    slack.setMode({ kind: 'terminal', code: 'channel_is_archived' }, webhook);
    await raise(pool, failureRate('wf-1'));
    clock.t += 1_000;
    await d.tick();
    clock.t += 1_000;
    const refused = await d.tick();
    expect(refused.emailFailed).toBe(1);
    const { rows } = await pool.query(
      `select email_state, email_attempts, last_error from alert_outbox where alert_id = 'slack-webhook-dead'`,
    );
    expect(rows).toEqual([
      { email_state: 'pending', email_attempts: 1, last_error: 'email:EENVELOPE' },
    ]);
    clock.t += 2_000;
    expect((await dispatcher().tick()).emailed).toBe(1);
    expect(smtp.messages).toHaveLength(1);
  });
});

describe('the dispatch loop when its database fails', () => {
  it('logs each failure with back-off and gives up after the bound, saying why', async () => {
    const dead = createPool('postgres://postgres@127.0.0.1:1/none', { max: 1 });
    const waits: number[] = [];
    const lines: string[] = [];
    const d = createDispatcher({
      pool: dead,
      webhookUrl: slack.webhookUrl('BDEAD'),
      now,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const running = d.start({ pollMs: 500, maxConsecutiveFailures: 4, log: (l) => lines.push(l) });
    const error = await running.done.then(
      () => new Error('expected the loop to give up'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DispatchLoopFailed);
    expect((error as DispatchLoopFailed).failures).toBe(4);
    expect(waits).toEqual([1_000, 2_000, 4_000]);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/tick failed \(1\/4\), retrying in 1 s: .*ECONNREFUSED/);
    expect(lines[3]).toMatch(/failed 4 time\(s\) in a row, giving up: .*ECONNREFUSED/);
    expect(lines.join('\n')).not.toMatch(/undefined/);
    await running.stop();
    await dead.end();
  });

  /**
   * A dispatcher whose tick waits in Postgres (a second session holds the table it writes
   * first), and `terminate`, which ends the tick's session with 57P01 as a fast shutdown does.
   */
  async function tickHeldInPostgres(webhook: string) {
    const db = await createTestDatabase();
    const fresh = createPool(db.url, { max: 1 });
    await migrate(fresh);
    const holder = createPool(db.url, { max: 1 });
    const held = await holder.connect();
    await held.query('begin; lock table alert_channels in access exclusive mode');
    const lines: string[] = [];
    const d = createDispatcher({ pool: fresh, webhookUrl: slack.webhookUrl(webhook), now });
    const running = d.start({ log: (l) => lines.push(l) });
    return {
      lines,
      running,
      async terminate() {
        let pid: number | undefined;
        for (let i = 0; i < 100 && pid === undefined; i += 1) {
          if (i > 0) await new Promise((r) => setTimeout(r, 50));
          const { rows } = await held.query<{ pid: number }>(
            "select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
          );
          pid = rows[0]?.pid;
        }
        expect(pid, 'the tick waits on the lock').toBeDefined();
        await held.query('select pg_terminate_backend($1)', [pid]);
      },
      async end() {
        await held.query('rollback');
        held.release();
        await running.stop();
        await Promise.all([holder.end(), fresh.end()]);
        await db.drop();
      },
    };
  }

  it('ends quietly when Postgres shuts down under a tick while the loop is stopping (Ctrl-C)', async () => {
    const t = await tickHeldInPostgres('BSTOP');
    const stopping = t.running.stop();
    await t.terminate();
    await stopping;
    expect(t.lines).toEqual([]);
    await t.end();
  });

  it('still reports a tick that Postgres ended while the loop keeps running', async () => {
    const t = await tickHeldInPostgres('BKEEP');
    await t.terminate();
    for (let i = 0; i < 60 && t.lines.length === 0; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(t.lines[0]).toMatch(/tick failed \(1\), retrying .*terminat/);
    await t.end();
  });

  it('recovers when the database comes back, and says so', async () => {
    const db = await createTestDatabase();
    const fresh = createPool(db.url, { max: 2 });
    const lines: string[] = [];
    let ticks = 0;
    const d = createDispatcher({ pool: fresh, webhookUrl: slack.webhookUrl('BBACK'), now, sleep });
    const running = d.start({
      maxConsecutiveFailures: 5,
      log: (l) => lines.push(l),
      // Not migrated yet: the first two ticks fail on the missing tables; then the schema comes.
      onTick: async (outcome) => {
        ticks += 1;
        if (!outcome.ok && outcome.failures === 2) await migrate(fresh);
        // Not awaited: `stop` waits for the loop, which waits for this callback.
        if (outcome.ok) void running.stop();
      },
    });
    await running.done;
    expect(ticks).toBe(3);
    expect(lines[0]).toMatch(/tick failed \(1\/5\).*alert_channels/);
    expect(lines.at(-1)).toBe('alert dispatcher: recovered after 2 failed tick(s)');
    await fresh.end();
    await db.drop();
  });
});
