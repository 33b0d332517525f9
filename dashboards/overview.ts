import { heartbeats } from '../core/catalog/monitors.ts';
import { DB_HEALTH_DEFAULTS } from '../core/db-health.ts';
import { apiErrorRatio, inStage, label, stored } from '../core/promql.ts';
import { buildDashboard, type DashboardExport } from './build.ts';
import { MONITOR_STATUS_MAPPINGS, statPanel, timeSeries } from './panels.ts';
import { statusPage } from './status-page.ts';

const HTTP = stored('http.server.request.duration');
const ROUTE = label('http.route');
const COLLECTOR = label('vigie.collector');
// The longest a collector may stay silent before Better Stack pages (heartbeat period + grace).
const LONGEST_SILENCE = Math.max(...heartbeats.map((h) => h.periodSeconds + h.graceSeconds));

export function overview(): DashboardExport {
  return buildDashboard({
    uid: 'vigie-overview',
    title: 'Vigie — Overview',
    description: 'Is the app up and serving, are the collectors running, do alerts get out?',
    tags: ['overview'],
    panels: [
      {
        panel: timeSeries({
          title: 'API requests per second by route',
          description: 'Every HTTP app request, by matched route.',
          unit: 'reqps',
          queries: [
            {
              expr: `sum by (${ROUTE}) (${inStage(`rate(${HTTP}_count[$__rate_interval])`)})`,
              legend: `{{${ROUTE}}}`,
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'API error rate by route (5xx / all)',
          description: 'Responses with status ≥ 500 over all responses (4xx are the caller’s).',
          unit: 'percentunit',
          min: 0,
          queries: [
            { expr: apiErrorRatio('$__rate_interval', '$stage', [ROUTE]), legend: `{{${ROUTE}}}` },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'API p95 latency by route',
          description: '95th percentile of request duration, from the histogram buckets.',
          unit: 's',
          queries: [
            {
              expr: `histogram_quantile(0.95, sum by (${ROUTE}, le) (${inStage(`rate(${HTTP}_bucket[$__rate_interval])`)}))`,
              legend: `{{${ROUTE}}}`,
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Alerts raised per hour by severity',
          description: 'Alerts the collectors raised (ids only).',
          unit: 'short',
          queries: [
            {
              expr: `sum by (${label('vigie.severity')}) (${inStage(`increase(${stored('vigie.alerts.raised')}[1h])`)})`,
              legend: `{{${label('vigie.severity')}}}`,
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Alert deliveries (last dispatch run)',
          description: 'Slack messages and emails delivered, and failed attempts.',
          unit: 'short',
          queries: [
            { expr: `sum(${inStage(stored('vigie_alert_dispatch_sent'))})`, legend: 'delivered' },
            {
              expr: `sum(${inStage(stored('vigie_alert_dispatch_failed'))})`,
              legend: 'failed',
              thresholds: [{ value: 1, color: 'red' }],
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Collector heartbeat age',
          description:
            'Seconds since each collector last succeeded; the line is the longest heartbeat period plus grace.',
          unit: 's',
          thresholds: [{ value: LONGEST_SILENCE, color: 'red' }],
          queries: [
            {
              expr: `time() - max by (${COLLECTOR}) (${inStage(stored('vigie.collector.last_success_timestamp'))})`,
              legend: `{{${COLLECTOR}}}`,
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Scheduled handler runs per hour by outcome',
          description: 'Collector invocations, success or failure.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (${label('vigie.handler')}, outcome) (${inStage(`increase(${stored('vigie.invocations')}[1h])`)})`,
              legend: `{{${label('vigie.handler')}}} {{outcome}}`,
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Database: connections, blocked sessions, long transactions',
          description: `From the db-health collector (supabase inspect db checks); a blocked session or a transaction open over ${DB_HEALTH_DEFAULTS.longTransactionSeconds} s is worth a look.`,
          unit: 'short',
          queries: [
            {
              expr: `max by (scope) (${inStage(stored('vigie_db_connections_in_use'))})`,
              legend: 'connections ({{scope}})',
            },
            {
              expr: `sum(${inStage(stored('vigie_db_sessions_blocked'))})`,
              legend: 'blocked sessions',
            },
            {
              expr: `sum(${inStage(stored('vigie_db_long_transactions'))})`,
              legend: 'long transactions',
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Database: cache hit ratio',
          description: `Buffer cache hits per table and index reads; the db-cache-hit-low alert is below ${DB_HEALTH_DEFAULTS.cacheHitMin * 100} %.`,
          unit: 'percentunit',
          base: 'red',
          thresholds: [{ value: DB_HEALTH_DEFAULTS.cacheHitMin, color: 'green' }],
          queries: [
            {
              expr: `min by (kind) (${inStage(stored('vigie_db_cache_hit_ratio'))})`,
              legend: '{{kind}}',
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Database: slow statements and unused indexes',
          description: `Statements slower than ${DB_HEALTH_DEFAULTS.slowFactor}× their baseline, and unused indexes of 1 MB or more.`,
          unit: 'short',
          queries: [
            {
              expr: `sum(${inStage(stored('vigie_db_slow_statements'))})`,
              legend: 'slow statements',
            },
            {
              expr: `sum(${inStage(stored('vigie_db_unused_indexes'))})`,
              legend: 'unused indexes',
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Calendar connections failing by problem',
          description:
            'From the onboarding collector: revoked, expired, missing scopes, refresh failing.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (problem) (${inStage(stored('vigie_onboarding_calendar_failing'))})`,
              legend: '{{problem}}',
            },
          ],
        }),
      },
      {
        panel: statPanel({
          title: 'Weekly summary sent',
          description: 'The last weekly-summary run handed its email to SMTP (1).',
          unit: 'short',
          queries: [{ expr: `max(${inStage(stored('vigie_weekly_summary_sent'))})` }],
        }),
        width: 6,
      },
      {
        panel: statPanel({
          title: 'Open incidents (Better Stack)',
          description: `Unresolved Better Stack incidents, by what they are about (an HTTP monitor or a collector's heartbeat); the public view is the status page “${statusPage.name}”.`,
          unit: 'short',
          thresholds: [{ value: 1, color: 'red' }],
          queries: [
            {
              expr: `sum by (resource) (${inStage(stored('vigie_uptime_open_incidents'))})`,
              legend: '{{resource}}',
            },
          ],
        }),
        width: 6,
      },
      {
        panel: statPanel({
          title: 'Uptime per monitor (Better Stack)',
          description:
            "Each catalog monitor's current state as Better Stack checks it: up, down (or recovering), not checked (paused, pending, maintenance).",
          unit: 'short',
          mappings: MONITOR_STATUS_MAPPINGS,
          queries: [
            {
              expr: `min by (monitor) (${inStage(stored('vigie_uptime_monitor_status'))})`,
              legend: '{{monitor}}',
            },
          ],
        }),
      },
      {
        panel: timeSeries({
          title: 'Availability per monitor, last 7 days (Better Stack)',
          description: "Better Stack's availability of each monitor over the last seven UTC days.",
          unit: 'percentunit',
          max: 1,
          queries: [
            {
              expr: `min by (monitor) (${inStage(stored('vigie_uptime_availability'))})`,
              legend: '{{monitor}}',
            },
          ],
        }),
      },
    ],
  });
}
