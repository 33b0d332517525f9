import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AlertPath, startAlertPath } from '../../testkit/alert-path.ts';
import { createDispatcher } from '../../adapters/alerts/dispatcher.ts';
import { raise } from '../../adapters/alerts/outbox.ts';
import type { SlackStandIn } from '../../sandbox/slack/server.ts';
import type { SmtpStandIn } from '../../sandbox/smtp/server.ts';
import { run, type AlertDispatchDeps } from './run.ts';

// Real Postgres, the Slack stand-in through @slack/webhook and the SMTP capture server through
// nodemailer. One fake clock drives the dispatcher, the run's budget and the stand-in's rate
// limiter, so a 50-second run and a day between probes pass instantly.
const T0 = Date.parse('2026-11-26T09:00:00Z');
const clock = { t: T0 };
const sleep = async (ms: number) => {
  clock.t += ms;
};

let path: AlertPath;
let pool: pg.Pool;
let slack: SlackStandIn;
let smtp: SmtpStandIn;
let mailer: AlertPath['mailer'];
let hook = 0;

beforeAll(async () => {
  path = await startAlertPath({ clock, poolMax: 4 });
  ({ pool, slack, smtp, mailer } = path);
});

afterAll(async () => {
  await path?.close();
});

beforeEach(async () => {
  await path.reset(T0);
  hook += 1;
});

function deps(budgetMs = 50_000, remainingMs?: () => number): AlertDispatchDeps {
  return {
    db: pool,
    raise,
    dispatcher: createDispatcher({
      pool,
      webhookUrl: slack.webhookUrl(`BDISPATCH${hook}`),
      emailTransport: mailer,
      emailTo: 'oncall@localhost.test',
      now: () => new Date(clock.t),
      sleep,
    }),
    budgetMs,
    pollMs: 1_000,
    remainingMs,
    reserveMs: 10_000,
    elapsedMs: () => clock.t,
    sleep,
  };
}

describe('alert-dispatch collector', () => {
  it('polls the outbox for its whole budget and delivers what is raised meanwhile', async () => {
    await raise(pool, {
      alertId: 'n8n-failure-rate-high',
      labels: { workflowId: 'wf-1', failed: 7, finished: 20, ratePercent: 35 },
      at: new Date(clock.t),
    });
    const summary = await run(deps(), new Date(clock.t));
    expect(summary.ticks).toBe(50);
    expect(summary.failedTicks).toBe(0);
    expect(summary.totals.sent).toBe(1);
    expect(summary.status).toBe('ok');
    expect(slack.messages.filter((m) => m.webhook === `BDISPATCH${hook}`)).toHaveLength(1);
    expect(summary.metrics).toContainEqual({
      name: 'vigie_alert_dispatch_sent',
      value: 1,
      labels: {},
    });
  });

  it('stops polling while the Lambda still has its reserve left, when that comes before the budget', async () => {
    // A Lambda invoked with 30 s left (a timeout set under the 50 s budget), on the fake clock.
    const deadline = clock.t + 30_000;
    const remaining = () => deadline - clock.t;
    const started: number[] = [];
    const base = deps(50_000, remaining);
    const watched = {
      ...base,
      dispatcher: {
        tick: () => {
          started.push(remaining());
          return base.dispatcher.tick();
        },
      },
    };
    const summary = await run(watched, new Date(clock.t));
    // Ticks at 0 s … 20 s: the next one would start with 9 s left, under the 10 s reserve.
    expect(summary.ticks).toBe(21);
    expect(Math.min(...started)).toBeGreaterThanOrEqual(10_000);
    expect(remaining()).toBeGreaterThanOrEqual(10_000 - 1_000);
  });

  it('starts no tick at all when invoked with less than the reserve left, and says so', async () => {
    let ticks = 0;
    const base = deps(50_000, () => 4_000);
    const starved = { ...base, dispatcher: { tick: () => ((ticks += 1), base.dispatcher.tick()) } };
    await expect(run(starved, new Date(clock.t))).rejects.toThrow(/4000 ms left.*timeout/);
    expect(ticks).toBe(0);
  });

  it('runs the daily probe; a probe failing on a network error reaches the operator by email', async () => {
    await run(deps(5_000), new Date(clock.t)); // first sight of the webhook: no probe yet
    clock.t += 24 * 3_600_000;
    slack.setMode({ kind: 'outage', style: 'reset' });
    const summary = await run(deps(), new Date(clock.t));
    expect(summary.probe).toMatchObject({ ok: false });
    const { rows } = await pool.query<{ alert_id: string; email_state: string }>(
      `select alert_id, email_state from alert_outbox`,
    );
    expect(rows).toEqual([{ alert_id: 'alert-probe-failed', email_state: 'sent' }]);
    expect(smtp.messages.map((m) => m.subject)).toEqual([
      expect.stringContaining('alert-path probe did not get through'),
    ]);
    expect(smtp.messages[0]?.to).toEqual(['oncall@localhost.test']);
  });

  it('throws when every tick failed, so the heartbeat reports the run as failed', async () => {
    // A dispatcher whose database is gone: stubbed, as a dead Postgres cannot be made per test.
    const broken = {
      ...deps(3_000),
      dispatcher: { tick: () => Promise.reject(new Error('connect ECONNREFUSED')) },
    };
    await expect(run(broken, new Date(clock.t))).rejects.toThrow('ECONNREFUSED');
  });
});
