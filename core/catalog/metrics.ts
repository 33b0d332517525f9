import type { MetricDefinition } from './types.ts';

/** Every metric name something in Vigie emits. Dashboards may only query these. */
export const metrics = [
  // Scheduled monitors (collectors/): one gauge per reading, labelled by ids only.
  {
    name: 'vigie_n8n_failure_rate',
    kind: 'gauge',
    unit: 'ratio',
    description:
      'n8n failed (error + crashed) over finished executions in the window; label workflow_id or all.',
  },
  {
    name: 'vigie_n8n_executions_finished',
    kind: 'gauge',
    unit: 'executions',
    description:
      'Finished n8n executions counted in the failure-rate window; label workflow_id or all.',
  },
  {
    name: 'vigie_cost_month_to_date_usd',
    kind: 'gauge',
    unit: 'USD',
    description: 'Month-to-date spend per service (label service).',
  },
  {
    name: 'vigie_cost_projected_usd',
    kind: 'gauge',
    unit: 'USD',
    description: 'Linear projection of the month-end spend per service (label service).',
  },
  {
    name: 'vigie_deliverability_bounce_rate',
    kind: 'gauge',
    unit: 'ratio',
    description:
      'Bounces over sent per sending domain (labels sending_domain_id, window 24h or 7d).',
  },
  {
    name: 'vigie_deliverability_complaint_rate',
    kind: 'gauge',
    unit: 'ratio',
    description:
      'Complaints over sent per sending domain (labels sending_domain_id, window 24h or 7d).',
  },
  {
    name: 'vigie_deliverability_score',
    kind: 'gauge',
    unit: 'level',
    description: 'Domain health: 0 green, 1 amber, 2 red (label sending_domain_id).',
  },
  {
    name: 'vigie_weekly_summary_sent',
    kind: 'counter',
    unit: 'emails',
    description: 'Weekly summary emails handed to SMTP.',
  },
  // Telemetry (telemetry/attributes.ts), exported over OTLP.
  {
    name: 'vigie.n8n.workflow_errors',
    kind: 'counter',
    unit: 'errors',
    description:
      'n8n Error Trigger reports received by POST /hooks/n8n/error (labels n8n.workflow_id, n8n.execution_mode).',
  },
  {
    name: 'http.server.request.duration',
    kind: 'histogram',
    unit: 's',
    description:
      'HTTP app request duration (labels http.request.method, http.route, http.response.status_code).',
  },
  {
    name: 'vigie.invocations',
    kind: 'counter',
    unit: 'invocations',
    description:
      'Scheduled handler invocations wrapped by withTelemetry (labels vigie.handler, outcome).',
  },
  {
    name: 'vigie_retention_purge_erased',
    kind: 'gauge',
    unit: 'prospects',
    description: 'Prospects erased by the last retention purge run.',
  },
  {
    name: 'vigie_retention_purge_failed',
    kind: 'gauge',
    unit: 'prospects',
    description: 'Prospects the last retention purge run failed to erase.',
  },
  {
    name: 'vigie_erasure_open',
    kind: 'gauge',
    unit: 'requests',
    description:
      'Erasure requests not completed (pending or failed) after the last erasure-retry run.',
  },
  {
    name: 'vigie_erasure_completed',
    kind: 'gauge',
    unit: 'requests',
    description: 'Erasure requests the last erasure-retry run completed.',
  },
  {
    name: 'vigie_alert_dispatch_sent',
    kind: 'gauge',
    unit: 'messages',
    description: 'Slack messages and alert emails delivered by the last alert-dispatch run.',
  },
  {
    name: 'vigie_alert_dispatch_failed',
    kind: 'gauge',
    unit: 'attempts',
    description:
      'Failed deliveries (429, 5xx/network retried, dead-lettered, email failed) in the last alert-dispatch run.',
  },
  {
    name: 'vigie_onboarding_domains_unverified',
    kind: 'gauge',
    unit: 'domains',
    description:
      'Sending domains not verified yet (label state: all, or stuck past the grace period).',
  },
  {
    name: 'vigie_onboarding_calendar_failing',
    kind: 'gauge',
    unit: 'connections',
    description:
      'Failing calendar connections by problem (token_revoked, token_expired, missing_scopes, refresh_failing, awaiting_reconnect).',
  },
  {
    name: 'vigie_db_connections_in_use',
    kind: 'gauge',
    unit: 'connections',
    description: 'Client connections in use (label scope: server or database).',
  },
  {
    name: 'vigie_db_sessions_blocked',
    kind: 'gauge',
    unit: 'sessions',
    description: 'Sessions waiting on a lock held by another session.',
  },
  {
    name: 'vigie_db_long_transactions',
    kind: 'gauge',
    unit: 'transactions',
    description: 'Transactions open longer than the long-transaction threshold.',
  },
  {
    name: 'vigie_db_slow_statements',
    kind: 'gauge',
    unit: 'statements',
    description: 'Statements whose mean time since the last run passed their baseline threshold.',
  },
  {
    name: 'vigie_db_cache_hit_ratio',
    kind: 'gauge',
    unit: 'ratio',
    description: 'Buffer cache-hit ratio (label kind: table or index).',
  },
  {
    name: 'vigie_db_unused_indexes',
    kind: 'gauge',
    unit: 'indexes',
    description: 'Non-unique indexes of 1 MB or more with no scans since statistics were reset.',
  },
  // Enrichment gateway (api/routes/enrichments.ts), OTLP counters.
  {
    name: 'vigie.enrichment.calls',
    kind: 'counter',
    unit: 'calls',
    description:
      'Enrichment gateway calls by outcome (ok, cached, budget, spend-cap, retry, failed) and provider status.',
  },
  {
    name: 'vigie.enrichment.tokens',
    kind: 'counter',
    unit: 'tokens',
    description:
      'Claude tokens used by the gateway (label kind: input, output, cache_read, cache_write).',
  },
  {
    name: 'vigie.enrichment.cost_usd',
    kind: 'counter',
    unit: 'USD',
    description: 'Claude cost of the gateway calls at the dated price list.',
  },
] as const satisfies readonly MetricDefinition[];
