import { DB_HEALTH_DEFAULTS } from '../db-health.ts';
import { CALENDAR_REFRESH_FAILURES, DOMAIN_VERIFY_GRACE_HOURS } from '../onboarding.ts';
import { parseSchedules } from '../schedule.ts';
import type { CollectorDefinition } from './types.ts';

/**
 * Every scheduled job, with its schedule in Europe/Paris time (EventBridge Scheduler `cron`:
 * minutes hours day-of-month month day-of-week year; one of the two day fields is `?`).
 * Daily and weekly jobs never run between 02:00 and 03:00 Paris time: a DST jump would skip
 * or repeat that run. Interval jobs (every N minutes, hourly) do run in that hour; a DST jump
 * skips or repeats one of their runs, which is harmless: each looks back over a window or at
 * what is due, so the next run covers a skipped one and a repeated one finds nothing new.
 * Uptime of the HTTP endpoints is Better Stack's job (see `monitors.ts`); the `uptime` collector
 * only reads what Better Stack found, for the dashboards.
 */
export const collectors = [
  {
    name: 'n8n-failure-rate',
    description:
      'Failure rate of n8n executions (error + crashed over finished) per workflow and overall, last hour.',
    schedule: 'cron(0/15 * * * ? *)',
    timezone: 'Europe/Paris',
    alerts: ['n8n-failure-rate-high', 'n8n-unreachable', 'collector-degraded'],
    metrics: [
      'vigie_n8n_failure_rate',
      'vigie_n8n_executions_finished',
      'vigie.n8n.execution.duration',
    ],
  },
  {
    name: 'cost',
    description:
      'Daily month-to-date spend and month-end projection per service against budgets; posts the cost report.',
    schedule: 'cron(30 7 * * ? *)',
    timezone: 'Europe/Paris',
    alerts: [
      'cost-projected-over-budget',
      'cost-over-budget',
      'anthropic-spend-cap-reached',
      'collector-degraded',
    ],
    metrics: [
      'vigie_cost_month_to_date_usd',
      'vigie_cost_projected_usd',
      'vigie_cost_tenant_enrichment_usd',
    ],
  },
  {
    name: 'deliverability',
    description:
      'Per sending domain: bounce and complaint rates (24 h, 7 d), SPF/DKIM/DMARC, Green/Amber/Red.',
    schedule: 'cron(5 * * * ? *)',
    timezone: 'Europe/Paris',
    alerts: ['deliverability-domain-red', 'deliverability-auth-failing', 'collector-degraded'],
    metrics: [
      'vigie_deliverability_bounce_rate',
      'vigie_deliverability_complaint_rate',
      'vigie_deliverability_score',
      'vigie_deliverability_dns_auth',
    ],
  },
  {
    name: 'weekly-summary',
    description:
      'Monday 08:00 email: uptime per monitor, errors per day (Sentry), user growth, n8n failures, cost, alerts.',
    schedule: 'cron(0 8 ? * MON *)',
    timezone: 'Europe/Paris',
    alerts: ['collector-degraded'],
    metrics: ['vigie_weekly_summary_sent'],
  },
  {
    name: 'retention-purge',
    description:
      'Erases, through the erasure path, prospects unsubscribed or objecting more than 30 days ago; batched, resumable.',
    schedule: 'cron(0 3 * * ? *)',
    timezone: 'Europe/Paris',
    alerts: ['retention-purge-failed', 'collector-degraded'],
    metrics: ['vigie_retention_purge_erased', 'vigie_retention_purge_failed'],
  },
  {
    name: 'erasure-retry',
    description:
      'Retries due erasure steps (a store was down, a worker crashed); pages when an erasure is stuck, failed or near its Art. 12 deadline.',
    schedule: 'cron(0/5 * * * ? *)',
    timezone: 'Europe/Paris',
    alerts: ['erasure-overdue', 'erasure-verification-failed', 'collector-degraded'],
    metrics: ['vigie_erasure_open', 'vigie_erasure_completed', 'vigie_erasure_overdue'],
  },
  {
    name: 'alert-dispatch',
    description:
      'Every minute, for ~50 s: delivers the alert outbox to Slack (critical also by email) and runs the daily Slack probe.',
    schedule: 'cron(0/1 * * * ? *)',
    timezone: 'Europe/Paris',
    alerts: [
      'slack-webhook-dead',
      'alert-dead-letters-present',
      'alert-probe-failed',
      'collector-degraded',
    ],
    metrics: ['vigie_alert_dispatch_sent', 'vigie_alert_dispatch_failed'],
  },
  {
    name: 'onboarding',
    description:
      'Sending domains unverified past 24 h (SPF, DKIM, DMARC, MX, tracking CNAME) and failing calendar connections (revoked, expired, scopes, refresh).',
    schedule: 'cron(10 * * * ? *)',
    timezone: 'Europe/Paris',
    alerts: ['onboarding-domain-unverified', 'onboarding-calendar-failing', 'collector-degraded'],
    metrics: ['vigie_onboarding_domains_unverified', 'vigie_onboarding_calendar_failing'],
    thresholds: {
      domainVerifyGraceHours: DOMAIN_VERIFY_GRACE_HOURS,
      calendarRefreshFailures: CALENDAR_REFRESH_FAILURES,
    },
  },
  {
    name: 'db-health',
    description:
      'The `supabase inspect db` checks: slow statements vs baseline, connections vs limit, blocked sessions, long transactions, cache hit, seq scans, unused indexes.',
    schedule: 'cron(0/5 * * * ? *)',
    timezone: 'Europe/Paris',
    alerts: [
      'db-connections-exhausted',
      'db-session-blocked',
      'db-long-transaction',
      'db-slow-statement',
      'db-seq-scan-heavy',
      'db-cache-hit-low',
      'db-index-unused',
      'collector-degraded',
    ],
    metrics: [
      'vigie_db_connections_in_use',
      'vigie_db_sessions_blocked',
      'vigie_db_long_transactions',
      'vigie_db_slow_statements',
      'vigie_db_cache_hit_ratio',
      'vigie_db_unused_indexes',
    ],
    thresholds: { ...DB_HEALTH_DEFAULTS },
  },
  {
    name: 'uptime',
    description:
      'Every 5 minutes: Better Stack monitor status and 7-day availability per monitor, and open incidents, for the dashboards (Better Stack pages on its own).',
    schedule: 'cron(0/5 * * * ? *)',
    timezone: 'Europe/Paris',
    alerts: ['collector-degraded'],
    metrics: [
      'vigie_uptime_monitor_status',
      'vigie_uptime_availability',
      'vigie_uptime_open_incidents',
    ],
  },
  {
    name: 'audit-anchor',
    description:
      'Hourly: verifies the audit log hash chains against the latest signed checkpoint, then signs the chain heads into a new checkpoint kept outside the database.',
    schedule: 'cron(20 * * * ? *)',
    timezone: 'Europe/Paris',
    alerts: ['audit-chain-broken', 'collector-degraded'],
    metrics: ['vigie_audit_rows_verified', 'vigie_audit_chain_breaks'],
  },
] as const satisfies readonly CollectorDefinition[];

export type CollectorName = (typeof collectors)[number]['name'];

/**
 * Every collector's schedule, parsed when the catalog loads: a schedule EventBridge would
 * refuse (core/schedule.ts) stops every `vigie` command and test at import, naming the
 * collector, instead of failing a run later. Marked pure so the Lambda bundles, which never
 * read it, drop it: parsing took ~15 ms of each cold start (profiled).
 */
export const collectorSchedules = /* @__PURE__ */ parseSchedules(collectors);
