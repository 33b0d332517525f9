import { type OtlpMetricType, storedMetricName, storedSeriesNames } from '../prometheus-names.ts';
import type { MetricDefinition } from './types.ts';

/**
 * Every metric something in Vigie emits, by the name it is emitted under (OTLP) and with its
 * unit in UCUM as the instrument declares it: `1` for ratios, `s` for seconds, `{thing}` for
 * counts (an annotation, which adds no suffix). Dashboards may only query these, under their
 * stored name (`storedName` below; rules in docs/otlp-prometheus-names.md).
 */
export const metrics = [
  // Scheduled monitors (collectors/): one gauge per reading, labelled by ids only.
  {
    name: 'vigie_n8n_failure_rate',
    kind: 'gauge',
    unit: '1',
    description:
      'n8n failed (error + crashed) over finished executions in the window; label workflow_id or all.',
  },
  {
    name: 'vigie_n8n_executions_finished',
    kind: 'gauge',
    unit: '{execution}',
    description:
      'Finished n8n executions counted in the failure-rate window; label workflow_id or all.',
  },
  {
    name: 'vigie.n8n.execution.duration',
    kind: 'histogram',
    unit: 's',
    description:
      'Run time (stoppedAt − startedAt) of each finished n8n execution, observed once by the n8n-failure-rate run whose period it stopped in (labels workflow_id, status).',
    // Scrape-and-enrich runs take seconds to minutes; n8n's default execution timeout is 1 h.
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
  },
  // Better Stack (collectors/uptime): per monitor (Better Stack id and catalog id), and incidents.
  {
    name: 'vigie_uptime_monitor_status',
    kind: 'gauge',
    unit: '{state}',
    description:
      'Better Stack monitor status: 1 up, 0 down (or validating), -1 not checked (paused, pending, maintenance) (labels monitor_id, monitor).',
  },
  {
    name: 'vigie_uptime_availability',
    kind: 'gauge',
    unit: '1',
    description:
      "Better Stack's availability of a monitor over the last seven UTC days, 0–1 (labels monitor_id, monitor, window).",
  },
  {
    name: 'vigie_uptime_open_incidents',
    kind: 'gauge',
    unit: '{incident}',
    description: 'Unresolved Better Stack incidents (label resource: monitor, heartbeat, other).',
  },
  {
    name: 'vigie_cost_month_to_date_usd',
    kind: 'gauge',
    unit: '{USD}',
    description: 'Month-to-date spend per service (label service).',
  },
  {
    name: 'vigie_cost_projected_usd',
    kind: 'gauge',
    unit: '{USD}',
    description: 'Linear projection of the month-end spend per service (label service).',
  },
  {
    name: 'vigie_cost_tenant_enrichment_usd',
    kind: 'gauge',
    unit: '{USD}',
    description:
      'Claude spend through the enrichment gateway this month (UTC days), per tenant (label tenant_id), as the gateway metered it.',
  },
  {
    name: 'vigie_deliverability_bounce_rate',
    kind: 'gauge',
    unit: '1',
    description:
      'Bounces over sent per sending domain (labels sending_domain_id, window 24h or 7d).',
  },
  {
    name: 'vigie_deliverability_complaint_rate',
    kind: 'gauge',
    unit: '1',
    description:
      'Complaints over sent per sending domain (labels sending_domain_id, window 24h or 7d).',
  },
  {
    name: 'vigie_deliverability_score',
    kind: 'gauge',
    unit: '{level}',
    description: 'Domain health: 0 green, 1 amber, 2 red (label sending_domain_id).',
  },
  {
    name: 'vigie_deliverability_dns_auth',
    kind: 'gauge',
    unit: '{state}',
    description:
      'SPF, DKIM and DMARC per sending domain: 1 pass, 0 fail, -1 unknown (labels sending_domain_id, check).',
  },
  {
    name: 'vigie_weekly_summary_sent',
    // Recorded as a gauge (1 per run) like every collector point, so stored without `_total`.
    kind: 'gauge',
    unit: '{email}',
    description: 'Weekly summary emails handed to SMTP.',
  },
  // Telemetry (telemetry/attributes.ts), exported over OTLP.
  {
    name: 'vigie.n8n.workflow_errors',
    kind: 'counter',
    unit: '{error}',
    description:
      'n8n Error Trigger reports received by POST /hooks/n8n/error (labels n8n.workflow_id, n8n.execution_mode).',
    driver: 'fault',
  },
  {
    name: 'http.server.request.duration',
    kind: 'histogram',
    unit: 's',
    description:
      'HTTP app request duration (labels http.request.method, http.route, http.response.status_code).',
    // The boundaries the OpenTelemetry HTTP metrics conventions recommend for this metric; the
    // SDK's defaults are made for milliseconds (docs/telemetry-conventions.md).
    buckets: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
  },
  {
    name: 'vigie.invocations',
    kind: 'counter',
    unit: '{invocation}',
    description:
      'Scheduled handler invocations wrapped by withTelemetry (labels vigie.handler, outcome).',
  },
  {
    name: 'vigie_retention_purge_erased',
    kind: 'gauge',
    unit: '{prospect}',
    description: 'Prospects erased by the last retention purge run.',
  },
  {
    name: 'vigie_retention_purge_failed',
    kind: 'gauge',
    unit: '{prospect}',
    description: 'Prospects the last retention purge run failed to erase.',
  },
  {
    name: 'vigie_audit_rows_verified',
    kind: 'gauge',
    unit: '{row}',
    description: 'Audit log rows whose hash links were recomputed by the last audit-anchor run.',
  },
  {
    name: 'vigie_audit_chain_breaks',
    kind: 'gauge',
    unit: '{break}',
    description:
      'Broken links and checkpoint mismatches found by the last audit-anchor run (0 when intact).',
  },
  {
    name: 'vigie_erasure_open',
    kind: 'gauge',
    unit: '{request}',
    description:
      'Erasure requests not completed (pending or failed) after the last erasure-retry run.',
  },
  {
    name: 'vigie_erasure_overdue',
    kind: 'gauge',
    unit: '{request}',
    description:
      'Erasure requests past their Art. 12 due date and not completed, after the last erasure-retry run.',
  },
  {
    name: 'vigie_erasure_completed',
    kind: 'gauge',
    unit: '{request}',
    description: 'Erasure requests the last erasure-retry run completed.',
  },
  {
    name: 'vigie_alert_dispatch_sent',
    kind: 'gauge',
    unit: '{message}',
    description: 'Slack messages and alert emails delivered by the last alert-dispatch run.',
  },
  {
    name: 'vigie_alert_dispatch_failed',
    kind: 'gauge',
    unit: '{attempt}',
    description:
      'Failed deliveries (429, 5xx/network retried, dead-lettered, email failed) in the last alert-dispatch run.',
  },
  {
    name: 'vigie_onboarding_domains_unverified',
    kind: 'gauge',
    unit: '{domain}',
    description:
      'Sending domains not verified yet (label state: all, or stuck past the grace period).',
  },
  {
    name: 'vigie_onboarding_calendar_failing',
    kind: 'gauge',
    unit: '{connection}',
    description:
      'Failing calendar connections by problem (token_revoked, token_expired, missing_scopes, refresh_failing, awaiting_reconnect).',
  },
  {
    name: 'vigie_db_connections_in_use',
    kind: 'gauge',
    unit: '{connection}',
    description: 'Client connections in use (label scope: server or database).',
  },
  {
    name: 'vigie_db_sessions_blocked',
    kind: 'gauge',
    unit: '{session}',
    description: 'Sessions waiting on a lock held by another session.',
  },
  {
    name: 'vigie_db_long_transactions',
    kind: 'gauge',
    unit: '{transaction}',
    description: 'Transactions open longer than the long-transaction threshold.',
  },
  {
    name: 'vigie_db_slow_statements',
    kind: 'gauge',
    unit: '{statement}',
    description: 'Statements whose mean time since the last run passed their baseline threshold.',
  },
  {
    name: 'vigie_db_cache_hit_ratio',
    kind: 'gauge',
    unit: '1',
    description: 'Buffer cache-hit ratio (label kind: table or index).',
  },
  {
    name: 'vigie_db_unused_indexes',
    kind: 'gauge',
    unit: '{index}',
    description: 'Non-unique indexes of 1 MB or more with no scans since statistics were reset.',
  },
  // Enrichment gateway (api/routes/enrichments.ts), OTLP counters.
  {
    name: 'vigie.enrichment.calls',
    kind: 'counter',
    unit: '{call}',
    description:
      'Enrichment gateway calls by outcome (ok, cached, budget, spend-cap, retry, failed) and provider status.',
  },
  {
    name: 'vigie.enrichment.tokens',
    kind: 'counter',
    unit: '{token}',
    description:
      'Claude tokens used by the gateway (label kind: input, output, cache_read, cache_write).',
  },
  {
    name: 'vigie.enrichment.cost_usd',
    kind: 'counter',
    unit: '{USD}',
    description: 'Claude cost of the gateway calls at the dated price list.',
  },
  // Collector runs, recorded next to the points of every run (collectors/shared/handler.ts and
  // the staging scheduler), so the Overview can show how long ago each collector succeeded.
  {
    name: 'vigie.collector.last_success_timestamp',
    kind: 'gauge',
    unit: 's',
    description:
      'Unix time (real seconds) of the last successful run of a collector (label vigie.collector).',
  },
  {
    name: 'vigie.alerts.raised',
    kind: 'counter',
    unit: '{alert}',
    description:
      'Alerts a collector run raised (labels vigie.alert_id, vigie.severity); ids only, never text.',
  },
  // Load runs (load/): the figures a run publishes while it runs, so it can be watched live.
  // The load scenarios emit them through OpenTelemetry under these names.
  {
    name: 'vigie.load.request.duration',
    kind: 'histogram',
    unit: 's',
    description: 'Response time of load-run requests (labels vigie.load.scenario, outcome).',
    driver: 'load-run',
  },
  {
    name: 'vigie.load.requests',
    kind: 'counter',
    unit: '{request}',
    description:
      'Load-run requests by outcome: ok, error (HTTP ≥ 500 or network) (labels vigie.load.scenario, outcome).',
    driver: 'load-run',
  },
  {
    name: 'vigie.load.vusers',
    kind: 'gauge',
    unit: '{vuser}',
    description: 'Virtual users active in the load run (label vigie.load.scenario).',
    driver: 'load-run',
  },
] as const satisfies readonly MetricDefinition[];

export type MetricName = (typeof metrics)[number]['name'];

const OTLP_TYPE: Record<MetricDefinition['kind'], OtlpMetricType> = {
  counter: 'monotonic-counter',
  gauge: 'gauge',
  histogram: 'histogram',
};

/** The name Grafana Cloud (and the local Prometheus) stores a catalog metric under. */
export function storedName(metric: Pick<MetricDefinition, 'name' | 'unit' | 'kind'>): string {
  return storedMetricName({ name: metric.name, unit: metric.unit, type: OTLP_TYPE[metric.kind] });
}

/** Every series name a metric is stored under (a histogram's `_bucket`, `_sum`, `_count`). */
export function storedSeries(metric: Pick<MetricDefinition, 'name' | 'unit' | 'kind'>): string[] {
  return storedSeriesNames({ name: metric.name, unit: metric.unit, type: OTLP_TYPE[metric.kind] });
}

/** Each catalog metric with its emitted and stored names side by side. */
export const metricNames: readonly { emitted: MetricName; stored: string; series: string[] }[] =
  metrics.map((m) => ({ emitted: m.name, stored: storedName(m), series: storedSeries(m) }));

/** The catalog entry of an emitted name, or undefined. */
export function metricByName(name: string): MetricDefinition | undefined {
  return metrics.find((m) => m.name === name);
}

/**
 * What an OpenTelemetry instrument for a catalog metric declares, so the stored name holds
 * (unit) and a histogram is stored with the catalog's buckets (advice).
 */
export function instrumentOptions(name: string): {
  unit: string;
  description: string;
  advice?: { explicitBucketBoundaries: number[] };
} {
  const metric = metricByName(name);
  if (!metric) throw new Error(`metric ${name} is not in core/catalog/metrics.ts`);
  return {
    unit: metric.unit,
    description: metric.description,
    ...(metric.buckets ? { advice: { explicitBucketBoundaries: [...metric.buckets] } } : {}),
  };
}
