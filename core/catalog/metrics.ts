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
] as const satisfies readonly MetricDefinition[];
