import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicCostUsd, anthropicSpendCapReached } from '../../adapters/anthropic/admin.ts';
import { createSmtpTransport } from '../../adapters/alerts/email.ts';
import { raise } from '../../adapters/alerts/outbox.ts';
import { createBetterStackClient } from '../../adapters/betterstack/client.ts';
import { createN8nClient } from '../../adapters/n8n/client.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { anthropicSdk } from '../../adapters/anthropic/sdk.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { sentryDailyErrors } from '../../adapters/sentry/stats.ts';
import { httpMonitors } from '../../core/catalog/monitors.ts';
import { monthElapsedFraction } from '../../core/cost.ts';
import { type AnthropicStandIn, startAnthropicStandIn } from '../../sandbox/anthropic/stand-in.ts';
import {
  type BetterStackStandIn,
  startBetterStackStandIn,
} from '../../sandbox/betterstack/stand-in.ts';
import { type N8nStandIn, startN8nStandIn } from '../../sandbox/n8n/stand-in.ts';
import { type SentryStandIn, startSentryStandIn } from '../../sandbox/sentry/server.ts';
import { type SmtpStandIn, startSmtpStandIn } from '../../sandbox/smtp/server.ts';
import { type Telemetry, initTelemetry } from '../../telemetry/init.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { run, type WeeklySummaryDeps } from './run.ts';

// Real Postgres (users, alert outbox through the real router), Better Stack / n8n / Anthropic
// stand-ins over HTTP, errors sent with @sentry/node to the Sentry stand-in and read back from
// its org stats API, nodemailer over SMTP to the capture server, which parses both the text
// and the HTML part (mailparser). Monday 30 Nov 2026 08:00 Paris; the week is Mon 23 – Sun 29.
const NOW = new Date('2026-11-30T07:00:00Z');
const at = (iso: string) => new Date(iso);

let db: TestDatabase;
let pool: pg.Pool;
let betterstack: BetterStackStandIn;
let n8n: N8nStandIn;
let anthropic: AnthropicStandIn;
let smtp: SmtpStandIn;
let sentry: SentryStandIn;
let telemetry: Telemetry;
let sentryClock = NOW;
const monitorIds: string[] = [];

/** Captures `count` errors through the SDK while the stand-in's clock reads `iso`. */
async function captureErrorsAt(iso: string, count: number): Promise<void> {
  sentryClock = new Date(iso);
  for (let i = 0; i < count; i += 1)
    telemetry.captureException(new Error(`weekly test error ${iso} #${i}`));
  expect(await telemetry.flush(5_000)).toBe(true);
}

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  [betterstack, n8n, anthropic, smtp] = await Promise.all([
    startBetterStackStandIn({ token: 'bs-token', now: () => NOW }),
    startN8nStandIn({ apiKey: 'n8n-key', now: () => NOW }),
    startAnthropicStandIn({ apiKey: 'sk-ant-k', adminKey: 'sk-ant-admin-k', now: () => NOW }),
    startSmtpStandIn(),
  ]);
  sentry = await startSentryStandIn({ org: 'acme', authToken: 'sntrys-k', now: () => sentryClock });
  telemetry = initTelemetry({
    serviceName: 'weekly-summary-test',
    sentryDsn: sentry.dsn,
    environment: 'test',
  });
  // Errors: Tue 24 ×2, Wed 25 ×3, Fri 27 ×1 this week; the Sunday before and this Monday outside.
  await captureErrorsAt('2026-11-22T12:00:00Z', 4);
  await captureErrorsAt('2026-11-24T09:00:00Z', 2);
  await captureErrorsAt('2026-11-25T15:00:00Z', 3);
  await captureErrorsAt('2026-11-27T18:00:00Z', 1);
  await captureErrorsAt('2026-11-30T06:00:00Z', 5);
  const bs = createBetterStackClient({ baseUrl: betterstack.url, token: 'bs-token' });
  for (const m of httpMonitors)
    monitorIds.push(await bs.createMonitor(m, `http://127.0.0.1:9${m.path}`));
  // One hour of downtime on the app's readiness monitor during the week, one the week before.
  betterstack.store.addPastIncident(
    monitorIds[0]!,
    at('2026-11-25T10:00:00Z'),
    at('2026-11-25T11:00:00Z'),
  );
  betterstack.store.addPastIncident(
    monitorIds[0]!,
    at('2026-11-18T10:00:00Z'),
    at('2026-11-18T12:00:00Z'),
  );

  // Users: 10 before, 2 the previous week, 7 this week as [0,1,2,0,3,1,0] per Paris day.
  const created = [
    ...Array.from({ length: 10 }, () => '2026-10-01T10:00:00Z'),
    '2026-11-17T10:00:00Z',
    '2026-11-20T10:00:00Z',
    '2026-11-24T10:00:00Z',
    '2026-11-25T09:00:00Z',
    '2026-11-25T22:30:00Z', // 23:30 Paris: still the 25th
    '2026-11-27T08:00:00Z',
    '2026-11-27T12:00:00Z',
    '2026-11-27T15:00:00Z',
    '2026-11-28T10:00:00Z',
    '2026-11-29T23:30:00Z', // Monday 00:30 Paris: next week, counted in no bucket
  ];
  await pool.query(`insert into auth.users (created_at) select unnest($1::timestamptz[])`, [
    created,
  ]);

  // n8n: 90 successes and 10 failures this week, 50 failures the week before (excluded).
  for (let i = 0; i < 50; i += 1)
    n8n.addExecution({
      workflowId: 'wf-enrich',
      status: 'error',
      startedAt: '2026-11-20T10:00:00Z',
    });
  for (let i = 0; i < 90; i += 1)
    n8n.addExecution({
      workflowId: 'wf-enrich',
      status: 'success',
      startedAt: '2026-11-26T10:00:00Z',
    });
  for (let i = 0; i < 6; i += 1)
    n8n.addExecution({
      workflowId: 'wf-enrich',
      status: 'error',
      startedAt: '2026-11-27T10:00:00Z',
    });
  for (let i = 0; i < 4; i += 1)
    n8n.addExecution({
      workflowId: 'wf-scrape',
      status: 'crashed',
      startedAt: '2026-11-28T10:00:00Z',
    });

  // Anthropic: $3 a day from Nov 1 to Nov 29 → $87 month to date.
  for (let day = 1; day <= 29; day += 1) {
    anthropic.ledger.record({
      at: new Date(Date.UTC(2026, 10, day, 9)),
      model: 'claude-sonnet-5-5',
      uncachedInputTokens: 1_000_000,
      outputTokens: 100_000,
    });
  }

  // Alerts: the same n8n group twice and one cost warning this week; one the week before.
  await raise(pool, {
    alertId: 'cost-over-budget',
    labels: { service: 'upstash', actualUsd: 21, budgetUsd: 20, month: '2026-11' },
    at: at('2026-11-10T08:00:00Z'),
  });
  await pool.query(`update alert_outbox set resolved_at = '2026-11-11T00:00:00Z'`);
  const n8nAlert = {
    alertId: 'n8n-failure-rate-high',
    labels: { workflowId: 'wf-enrich', failed: 6, finished: 96, ratePercent: 6.3 },
  };
  await raise(pool, { ...n8nAlert, at: at('2026-11-27T10:15:00Z') });
  await raise(pool, { ...n8nAlert, at: at('2026-11-27T10:30:00Z') });
  await raise(pool, {
    alertId: 'cost-projected-over-budget',
    labels: {
      service: 'anthropic',
      projectedUsd: 170,
      budgetUsd: 200,
      percent: 85,
      month: '2026-11',
    },
    at: at('2026-11-26T07:30:00Z'),
  });
});

afterAll(async () => {
  await telemetry?.shutdown();
  await Promise.all([
    betterstack?.close(),
    n8n?.close(),
    anthropic?.close(),
    smtp?.close(),
    sentry?.close(),
  ]);
  await pool?.end();
  await db?.drop();
});

function deps(extra: Partial<WeeklySummaryDeps> = {}): WeeklySummaryDeps {
  const smtpTransport = createSmtpTransport(smtp.url);
  return {
    db: pool,
    raise,
    timeZone: 'Europe/Paris',
    from: 'vigie@example.test',
    to: 'founder@example.test',
    sendMail: async (m) => {
      await smtpTransport.sendMail(m);
    },
    betterstack: createBetterStackClient({
      baseUrl: betterstack.url,
      token: 'bs-token',
      timeoutMs: 1_000,
    }),
    n8n: createN8nClient({ baseUrl: n8n.url, apiKey: 'n8n-key', timeoutMs: 1_000 }),
    errors: (start, end) =>
      sentryDailyErrors(
        { baseUrl: sentry.url, org: 'acme', authToken: 'sntrys-k', timeoutMs: 1_000 },
        start,
        end,
      ),
    cost: {
      budgets: { anthropic: 200, upstash: 20, phantombuster: 69, supabase: 25 },
      anthropic: {
        costUsd: (from, to) =>
          anthropicCostUsd({ baseUrl: anthropic.url, adminKey: 'sk-ant-admin-k' }, from, to),
        // As costSources does: the SDK loads before the timed reads start.
        load: () => anthropicSdk(),
        spendCapReached: () =>
          anthropicSpendCapReached({ baseUrl: anthropic.url, apiKey: 'sk-ant-k' }),
      },
    },
    ...extra,
  };
}

describe('weekly-summary collector', () => {
  it('emails uptime, users, n8n, cost and alerts that match the seeded data', async () => {
    const messagesBefore = anthropic.messagesStats.admitted;
    const summary = await run(deps(), NOW);
    expect(summary.status).toBe('ok');
    // Cost totals only: the spend-cap probe (a billed message) is the cost collector's.
    expect(anthropic.messagesStats.admitted).toBe(messagesBefore);
    expect(summary.cost).not.toBeNull();
    expect(summary.week).toEqual({ from: '2026-11-23', to: '2026-11-29' });
    expect(summary.users).toEqual({
      total: 19,
      newThisWeek: 7,
      newPreviousWeek: 2,
      perDay: [0, 1, 2, 0, 3, 1, 0],
    });
    expect(summary.n8n).toEqual({ failed: 10, finished: 100, ratePercent: 10 });
    expect(summary.uptime?.[0]).toMatchObject({
      availability: 99.4048,
      incidents: 1,
      downtimeSeconds: 3600,
    });
    expect(summary.alerts).toEqual({
      raised: 3,
      bySeverity: { warning: 3 },
      top: [
        {
          alertId: 'n8n-failure-rate-high',
          dedupKey: 'n8n-failure-rate-high/wf-enrich',
          occurrences: 2,
        },
        {
          alertId: 'cost-projected-over-budget',
          dedupKey: 'cost-projected-over-budget/anthropic:2026-11',
          occurrences: 1,
        },
      ],
    });
    // The errors the stand-in accepted, per UTC day of the week, as the email must report them.
    const received = sentry
      .outcomes()
      .filter((o) => o.category === 'error' && o.outcome === 'accepted')
      .map((o) => o.at.toISOString().slice(0, 10));
    const weekDays = Array.from({ length: 7 }, (_, i) => `2026-11-${23 + i}`);
    const perDay = weekDays.map((d) => received.filter((r) => r === d).length);
    expect(perDay).toEqual([0, 2, 3, 0, 1, 0, 0]);
    expect(received).toHaveLength(15); // the week's 6 and the 9 outside it all arrived
    expect(summary.errors).toEqual({
      total: 6,
      perDay,
      averagePerDay: 0.9,
      busiestDay: { day: '2026-11-25', errors: 3 },
      dropped: {},
    });
    const supabaseMtd = Math.round(25 * monthElapsedFraction(NOW, 'Europe/Paris') * 100) / 100;
    expect(summary.cost?.monthToDateUsd).toBeCloseTo(87 + supabaseMtd, 2);

    // What the founder receives, as the SMTP capture parsed it.
    expect(smtp.messages).toHaveLength(1);
    const mail = smtp.messages[0]!;
    expect(mail).toMatchObject({
      subject: 'Vigie weekly summary — week of 2026-11-23',
      to: ['founder@example.test'],
    });
    const text = mail.text;
    expect(text).toContain(
      'Uptime HTTP app (deep readiness: Postgres, Redis, n8n): 99.405% (1 incidents, 60 min down)',
    );
    expect(text).toContain('Uptime Frontend: 100% (0 incidents, 0 min down)');
    expect(text).toContain('Users: 19 total, 7 new this week (previous week 2)');
    expect(text).toContain('n8n failure rate: 10% (10 of 100 finished executions failed)');
    expect(text).toContain(`Cost month to date (2026-11): $${(87 + supabaseMtd).toFixed(2)}`);
    expect(text).toContain('Alerts raised: 3 (warning 3)');
    expect(text).toContain(
      'Top incident: n8n-failure-rate-high [n8n-failure-rate-high/wf-enrich] × 2',
    );
    expect(text).toContain(
      'Errors per day (Sentry, UTC days): 6 this week, 0.9 per day, busiest 2026-11-25 with 3',
    );
    expect(text).toContain('API error rate: not measured (set PROMETHEUS_QUERY_URL).');
    expect(mail.html).not.toBeNull();
    const html = mail.html ?? '';
    // The HTML part carries the same numbers as the text part, plus the charts.
    expect(html).toContain(
      'Errors per day (Sentry, UTC days): 6 this week, 0.9 per day, busiest 2026-11-25 with 3',
    );
    expect(html).toContain('n8n failure rate: 10% (10 of 100 finished executions failed)');
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).toContain('aria-label="Errors per day"');
    expect(html).toContain('<title>11-25: 3</title>');
    expect(html).toContain('<title>11-25: 2</title>');
    expect(html).toContain('Users: 19 total, 7 new this week');
  });

  it('a Better Stack outage gives a partial email that says so, and collector-degraded', async () => {
    betterstack.faults.mode = 'server-error';
    try {
      const summary = await run(deps(), NOW);
      expect(summary.status).toBe('degraded');
      expect(summary.uptime).toBeNull();
      expect(summary.sent).toBe(true);
      const text = smtp.messages.at(-1)?.text ?? '';
      expect(text).toContain('PARTIAL: some sources could not be read');
      expect(text).toContain('Could not read betterstack.sla: server-error');
      expect(summary.alertsRaised).toEqual([
        {
          alertId: 'collector-degraded',
          labels: {
            collector: 'weekly-summary',
            source: 'betterstack.sla',
            errorCode: 'server-error',
          },
        },
      ]);
    } finally {
      betterstack.faults.mode = 'none';
    }
  });

  it.each([
    ['malformed', 'malformed'],
    ['no-answer', 'timeout'],
  ] as const)(
    'a %s Better Stack answer gives a partial email (uptime not read) and collector-degraded',
    async (mode, reason) => {
      betterstack.faults.mode = mode;
      try {
        const summary = await run(deps(), NOW);
        expect(summary.status).toBe('degraded');
        expect(summary.uptime).toBeNull();
        expect(summary.sent).toBe(true);
        const text = smtp.messages.at(-1)?.text ?? '';
        expect(text).toContain('PARTIAL: some sources could not be read');
        expect(text).toContain(`Could not read betterstack.sla: ${reason}`);
        expect(summary.alertsRaised).toContainEqual({
          alertId: 'collector-degraded',
          labels: { collector: 'weekly-summary', source: 'betterstack.sla', errorCode: reason },
        });
      } finally {
        betterstack.faults.mode = 'none';
      }
    },
  );

  it('a rate-limited Sentry stats API gives "not read", not zero errors, and collector-degraded', async () => {
    sentry.statsFaults.mode = 'rate-limited';
    try {
      const summary = await run(deps(), NOW);
      expect(summary.status).toBe('degraded');
      expect(summary.errors).toBeNull();
      const text = smtp.messages.at(-1)?.text ?? '';
      expect(text).toContain('Errors per day: not read (see below).');
      expect(text).toContain('Could not read sentry.stats: rate-limited');
      expect(summary.alertsRaised).toContainEqual({
        alertId: 'collector-degraded',
        labels: { collector: 'weekly-summary', source: 'sentry.stats', errorCode: 'rate-limited' },
      });
    } finally {
      sentry.statsFaults.mode = 'none';
    }
  });

  it('an SMTP refusal is reported, not swallowed', async () => {
    smtp.failWith(451);
    try {
      const summary = await run(deps(), NOW);
      expect(summary).toMatchObject({
        sent: false,
        status: 'degraded',
        unread: [{ source: 'smtp' }],
      });
    } finally {
      smtp.failWith(null);
    }
  });
});
