import type { BetterStackClient } from '../../adapters/betterstack/client.ts';
import type { N8nClient } from '../../adapters/n8n/client.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import type { DailyErrorCounts } from '../../adapters/sentry/stats.ts';
import { computeFailureRate } from '../../core/n8n-failure-rate.ts';
import { zonedDate, zonedMidnight } from '../../core/zoned-time.ts';
import type { DayTraffic } from '../../adapters/prometheus/query.ts';
import { type CostDeps, readCosts } from '../cost/run.ts';
import { readExecutions } from '../n8n-failure-rate/run.ts';
import {
  finish,
  round,
  type RaiseAlert,
  type TickBase,
  type Unread,
  unreadFrom,
} from '../shared/tick.ts';
import { barChartSvg, escapeXml } from './charts.ts';

type Anthropic = NonNullable<CostDeps['anthropic']>;

/**
 * Monday 08:00 (Europe/Paris) summary of the previous week (Monday 00:00 to Monday 00:00):
 * uptime per monitor (Better Stack SLA), errors per day (Sentry org stats), user growth
 * (auth.users), n8n failure rate, cost month to date, alerts raised and the top incidents from
 * the alert outbox. Sent as HTML + text with inline SVG charts. A source that cannot be read is
 * shown as such.
 *
 * The API error rate (responses ≥ 500 over all responses, per Paris day and for the week) comes
 * from the Prometheus that stores the OTLP metrics (`PROMETHEUS_QUERY_URL`: the local one on
 * staging, Grafana Cloud's in prod), with the same PromQL as the Overview dashboard; Sentry's
 * error count stays next to it (errors Sentry saw, which include more than HTTP 5xx).
 */
export interface WeeklySummaryDeps {
  db: Queryable;
  raise: RaiseAlert;
  timeZone: string;
  from: string;
  to: string;
  sendMail: (message: {
    from: string;
    to: string;
    subject: string;
    text: string;
    html: string;
  }) => Promise<void>;
  betterstack?: Pick<BetterStackClient, 'listMonitors' | 'monitorSla'>;
  n8n?: Pick<N8nClient, 'listExecutions'>;
  cost?: Omit<CostDeps, 'db' | 'raise' | 'timeZone' | 'postReport'>;
  /** Sentry's error counts per UTC day (adapters/sentry/stats.ts); unset: "not measured". */
  errors?: (start: Date, end: Date) => Promise<DailyErrorCounts>;
  /** API requests and 5xx per day from Prometheus (adapters/prometheus/query.ts); unset: "not measured". */
  apiTraffic?: (days: readonly { start: Date; end: Date }[]) => Promise<DayTraffic[]>;
}

export interface WeeklySummary extends TickBase {
  week: { from: string; to: string };
  uptime: Array<{
    monitorId: string;
    name: string;
    availability: number;
    incidents: number;
    downtimeSeconds: number;
  }> | null;
  /** Errors Sentry accepted per UTC day of the week (Monday first), and what it dropped. */
  errors: {
    total: number;
    perDay: number[];
    averagePerDay: number;
    busiestDay: { day: string; errors: number } | null;
    dropped: Record<string, number>;
  } | null;
  /** API error rate: 5xx over all responses, per Paris day (Monday first) and for the week. */
  errorRate: {
    perDay: Array<{ day: string; requests: number; errors: number; rate: number | null }>;
    week: { requests: number; errors: number; rate: number | null };
  } | null;
  users: { total: number; newThisWeek: number; newPreviousWeek: number; perDay: number[] } | null;
  n8n: { failed: number; finished: number; ratePercent: number | null } | null;
  cost: { monthToDateUsd: number; projectedUsd: number; month: string } | null;
  alerts: {
    raised: number;
    bySeverity: Record<string, number>;
    top: Array<{ alertId: string; dedupKey: string; occurrences: number }>;
  } | null;
  subject: string;
  sent: boolean;
}

const DAY = 86_400_000;

export function previousWeek(
  now: Date,
  timeZone: string,
): { start: Date; end: Date; days: string[] } {
  const { year, month, day } = zonedDate(now, timeZone);
  const dow = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  const monday = new Date(Date.UTC(year, month - 1, day) - ((dow + 6) % 7) * DAY);
  const prevMonday = new Date(monday.getTime() - 7 * DAY);
  const days = Array.from({ length: 7 }, (_, i) =>
    new Date(prevMonday.getTime() + i * DAY).toISOString().slice(0, 10),
  );
  const local = (d: Date) =>
    zonedMidnight(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), timeZone);
  return { start: local(prevMonday), end: local(monday), days };
}

export async function run(deps: WeeklySummaryDeps, now: Date): Promise<WeeklySummary> {
  const week = previousWeek(now, deps.timeZone);
  const summary: WeeklySummary = {
    collector: 'weekly-summary',
    at: now.toISOString(),
    status: 'ok',
    unread: [],
    alertsRaised: [],
    metrics: [],
    week: { from: week.days[0] ?? '', to: week.days[6] ?? '' },
    uptime: null,
    errors: null,
    errorRate: null,
    users: null,
    n8n: null,
    cost: null,
    alerts: null,
    subject: `Vigie weekly summary — week of ${week.days[0]}`,
    sent: false,
  };

  // The sections read independent sources: they run at once, so the run lasts as long as the
  // slowest source, not their sum. Each catches its own failure into its own list, so one
  // unreadable source never loses the others; the lists join in section order, whatever
  // answers first.
  const sections: Array<(unread: Unread[]) => Promise<void>> = [
    async (unread: Unread[]) => {
      if (deps.betterstack) {
        try {
          const monitors = await deps.betterstack.listMonitors();
          const betterstack = deps.betterstack;
          // One SLA request per monitor, all at once; the list keeps the monitors' order.
          summary.uptime = await Promise.all(
            monitors.map(async (m) => {
              const sla = await betterstack.monitorSla(m.id, summary.week.from, summary.week.to);
              return {
                monitorId: m.id,
                name: m.name,
                availability: sla.availability,
                incidents: sla.number_of_incidents,
                downtimeSeconds: sla.total_downtime,
              };
            }),
          );
        } catch (error) {
          summary.uptime = null;
          unread.push(unreadFrom('betterstack.sla', error));
        }
      }
    },
    async (unread: Unread[]) => {
      if (deps.errors) {
        try {
          // Sentry buckets by UTC day: ask for the week's seven dates as UTC days.
          const start = new Date(`${week.days[0]}T00:00:00Z`);
          const counts = await deps.errors(start, new Date(start.getTime() + 7 * DAY));
          const byDay = new Map(counts.days.map((d) => [d.day, d.accepted]));
          const perDay = week.days.map((d) => byDay.get(d) ?? 0);
          const total = perDay.reduce((a, b) => a + b, 0);
          const busiest = Math.max(...perDay);
          summary.errors = {
            total,
            perDay,
            averagePerDay: round(total / 7, 1),
            busiestDay:
              total === 0
                ? null
                : { day: week.days[perDay.indexOf(busiest)] ?? '', errors: busiest },
            dropped: counts.dropped,
          };
        } catch (error) {
          unread.push(unreadFrom('sentry.stats', error));
        }
      }
    },
    async (unread: Unread[]) => {
      if (deps.apiTraffic) {
        try {
          const bounds = week.days.map((d, i) => ({
            start: parisMidnight(d, deps.timeZone),
            end: parisMidnight(week.days[i + 1] ?? nextDay(d), deps.timeZone),
          }));
          const traffic = await deps.apiTraffic(bounds);
          const perDay = week.days.map((day, i) => {
            const t = rounded(traffic[i] ?? { requests: 0, errors: 0 });
            return { day, ...t, rate: ratio(t) };
          });
          const requests = perDay.reduce((a, d) => a + d.requests, 0);
          const errors = perDay.reduce((a, d) => a + d.errors, 0);
          summary.errorRate = {
            perDay,
            week: { requests, errors, rate: ratio({ requests, errors }) },
          };
        } catch (error) {
          unread.push(unreadFrom('prometheus.api_traffic', error));
        }
      }
    },
    async (unread: Unread[]) => {
      try {
        const r = await deps.db.query<{
          total: string;
          new_week: string;
          new_prev: string;
          per_day: string[];
        }>(
          `select (select count(*) from auth.users where created_at < $2) as total,
                (select count(*) from auth.users where created_at >= $1 and created_at < $2) as new_week,
                (select count(*) from auth.users where created_at >= $1 - interval '7 days' and created_at < $1) as new_prev,
                array(select count(u.id)::text
                        from generate_series(0, 6) as g(i)
                        left join auth.users u
                          on u.created_at >= $1 + g.i * interval '1 day'
                         and u.created_at < $1 + (g.i + 1) * interval '1 day'
                       group by g.i order by g.i) as per_day`,
          [week.start, week.end],
        );
        const row = r.rows[0];
        if (row)
          summary.users = {
            total: Number(row.total),
            newThisWeek: Number(row.new_week),
            newPreviousWeek: Number(row.new_prev),
            perDay: row.per_day.map(Number),
          };
      } catch (error) {
        unread.push(unreadFrom('postgres.users', error));
      }
    },
    async (unread: Unread[]) => {
      if (deps.n8n) {
        try {
          const { executions } = await readExecutions(deps.n8n, week.start, week.end);
          const { overall } = computeFailureRate(executions);
          summary.n8n = {
            failed: overall.failures,
            finished: overall.finished,
            ratePercent: overall.rate === null ? null : round(overall.rate * 100, 2),
          };
        } catch (error) {
          unread.push(unreadFrom('n8n.executions', error));
        }
      }
    },
    async (unread: Unread[]) => {
      if (deps.cost) {
        // Totals only: no spend-cap probe (a billed Claude message, ~1 s, and the cost
        // collector's alert to raise, not this email's).
        const withoutProbe = ({ spendCapReached: _probe, load: _sdk, ...totals }: Anthropic) =>
          totals;
        const anthropic = deps.cost.anthropic && withoutProbe(deps.cost.anthropic);
        const costs = await readCosts(
          {
            ...deps.cost,
            ...(anthropic ? { anthropic } : {}),
            db: deps.db,
            raise: deps.raise,
            timeZone: deps.timeZone,
          },
          now,
        );
        unread.push(...costs.unread);
        summary.cost = {
          month: costs.month,
          monthToDateUsd: round(costs.services.reduce((s, c) => s + c.monthToDateUsd, 0)),
          projectedUsd: round(costs.services.reduce((s, c) => s + c.projectedUsd, 0)),
        };
      }
    },
    async (unread: Unread[]) => {
      try {
        const bySeverity = await deps.db.query<{ severity: string; n: string }>(
          `select severity, sum(occurrences)::text as n from alert_outbox
          where last_raised_at >= $1 and first_raised_at < $2 group by severity`,
          [week.start, week.end],
        );
        const top = await deps.db.query<{
          alert_id: string;
          dedup_key: string;
          occurrences: number;
        }>(
          `select alert_id, dedup_key, occurrences from alert_outbox
          where last_raised_at >= $1 and first_raised_at < $2 and severity <> 'info'
          order by occurrences desc, first_raised_at limit 5`,
          [week.start, week.end],
        );
        const counts = Object.fromEntries(bySeverity.rows.map((r) => [r.severity, Number(r.n)]));
        summary.alerts = {
          raised: Object.values(counts).reduce((a, b) => a + b, 0),
          bySeverity: counts,
          top: top.rows.map((r) => ({
            alertId: r.alert_id,
            dedupKey: r.dedup_key,
            occurrences: r.occurrences,
          })),
        };
      } catch (error) {
        unread.push(unreadFrom('postgres.alert_outbox', error));
      }
    },
  ];
  const unreadBySection = await Promise.all(
    sections.map(async (section) => {
      const unread: Unread[] = [];
      await section(unread);
      return unread;
    }),
  );
  summary.unread.push(...unreadBySection.flat());

  const { text, html } = renderEmail(summary, week.days);
  try {
    await deps.sendMail({ from: deps.from, to: deps.to, subject: summary.subject, text, html });
    summary.sent = true;
    summary.metrics.push({ name: 'vigie_weekly_summary_sent', value: 1, labels: {} });
  } catch (error) {
    summary.unread.push(unreadFrom('smtp', error));
  }
  return finish(deps, summary, now);
}

/** Errors over requests; null for a day without requests (no traffic is not 0 % errors). */
function ratio(t: { requests: number; errors: number }): number | null {
  return t.requests > 0 ? t.errors / t.requests : null;
}

/** Prometheus `increase` extrapolates to the window's edges: report whole requests. */
function rounded(t: { requests: number; errors: number }): { requests: number; errors: number } {
  return { requests: Math.round(t.requests), errors: Math.round(t.errors) };
}

function parisMidnight(day: string, timeZone: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return zonedMidnight(y, m, d, timeZone);
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
}

const pct = (v: number) => `${v.toFixed(3).replace(/\.?0+$/, '')}%`;

export function renderEmail(
  s: WeeklySummary,
  days: readonly string[],
): { text: string; html: string } {
  const t: string[] = [
    `${s.subject}`,
    `Week ${s.week.from} to ${s.week.to} (${s.status === 'degraded' || s.unread.length > 0 ? 'PARTIAL: some sources could not be read' : 'complete'})`,
    '',
  ];
  const h: string[] = [`<h1 style="font-family:sans-serif">${escapeXml(s.subject)}</h1>`];
  const section = (title: string) => {
    t.push(`== ${title} ==`);
    h.push(`<h2 style="font-family:sans-serif">${escapeXml(title)}</h2>`);
  };
  const line = (text: string) => {
    t.push(text);
    h.push(`<p style="font-family:sans-serif;margin:2px 0">${escapeXml(text)}</p>`);
  };

  section('Uptime');
  if (s.uptime === null) line('Uptime: not read (see below).');
  else {
    for (const u of s.uptime)
      line(
        `Uptime ${u.name}: ${pct(u.availability)} (${u.incidents} incidents, ${Math.round(u.downtimeSeconds / 60)} min down)`,
      );
    if (s.uptime.length > 0)
      h.push(
        barChartSvg({
          title: 'Uptime per monitor',
          labels: s.uptime.map((u) => u.monitorId),
          values: s.uptime.map((u) => u.availability),
          max: 100,
          unit: '%',
        }),
      );
  }
  section('Errors');
  if (s.errors === null)
    line(
      s.unread.some((u) => u.source === 'sentry.stats')
        ? 'Errors per day: not read (see below).'
        : 'Errors per day: not measured (set SENTRY_API_BASE_URL, SENTRY_ORG and SENTRY_AUTH_TOKEN).',
    );
  else {
    const e = s.errors;
    line(
      `Errors per day (Sentry, UTC days): ${e.total} this week, ${e.averagePerDay} per day` +
        (e.busiestDay ? `, busiest ${e.busiestDay.day} with ${e.busiestDay.errors}` : ''),
    );
    const dropped = Object.entries(e.dropped);
    if (dropped.length > 0)
      line(
        `Errors Sentry did not keep: ${dropped.map(([outcome, n]) => `${n} ${outcome}`).join(', ')}`,
      );
    h.push(
      barChartSvg({
        title: 'Errors per day',
        labels: days.map((d) => d.slice(5)),
        values: e.perDay,
      }),
    );
  }
  section('API error rate');
  if (s.errorRate === null)
    line(
      s.unread.some((u) => u.source === 'prometheus.api_traffic')
        ? 'API error rate: not read (see below).'
        : 'API error rate: not measured (set PROMETHEUS_QUERY_URL).',
    );
  else {
    const w = s.errorRate.week;
    line(
      w.rate === null
        ? 'API error rate (5xx over all responses): no requests this week'
        : `API error rate (5xx over all responses): ${pct(w.rate * 100)} this week (${w.errors} of ${w.requests} requests)`,
    );
    line(
      `Per day: ${s.errorRate.perDay
        .map((d) => `${d.day.slice(5)} ${d.rate === null ? 'no traffic' : pct(d.rate * 100)}`)
        .join(', ')}`,
    );
    h.push(
      barChartSvg({
        title: 'API error rate per day',
        labels: days.map((d) => d.slice(5)),
        values: s.errorRate.perDay.map((d) => (d.rate ?? 0) * 100),
        unit: '%',
      }),
    );
  }
  section('Users');
  if (s.users === null) line('Users: not read (see below).');
  else {
    line(
      `Users: ${s.users.total} total, ${s.users.newThisWeek} new this week (previous week ${s.users.newPreviousWeek})`,
    );
    h.push(
      barChartSvg({
        title: 'New users per day',
        labels: days.map((d) => d.slice(5)),
        values: s.users.perDay,
      }),
    );
  }
  section('n8n');
  line(
    s.n8n === null
      ? 'n8n failure rate: not read'
      : `n8n failure rate: ${s.n8n.ratePercent === null ? 'no finished executions' : `${s.n8n.ratePercent}%`} (${s.n8n.failed} of ${s.n8n.finished} finished executions failed)`,
  );
  section('Cost');
  line(
    s.cost === null
      ? 'Cost: not read'
      : `Cost month to date (${s.cost.month}): $${s.cost.monthToDateUsd.toFixed(2)}, projected $${s.cost.projectedUsd.toFixed(2)}`,
  );
  section('Alerts');
  if (s.alerts === null) line('Alerts: not read');
  else {
    const sev = Object.entries(s.alerts.bySeverity)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    line(`Alerts raised: ${s.alerts.raised}${sev ? ` (${sev})` : ''}`);
    for (const a of s.alerts.top)
      line(`Top incident: ${a.alertId} [${a.dedupKey}] × ${a.occurrences}`);
  }
  if (s.unread.length > 0) {
    section('Could not read');
    for (const u of s.unread) line(`Could not read ${u.source}: ${u.reason}`);
  }
  return {
    text: `${t.join('\n')}\n`,
    html: `<!doctype html><html><body>${h.join('\n')}</body></html>`,
  };
}
