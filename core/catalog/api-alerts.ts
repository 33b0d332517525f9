import type { alerts } from './alerts.ts';

type AlertId = (typeof alerts)[number]['id'];

/**
 * The catalog alerts the HTTP app raises, by the route that raises them (collectors declare
 * theirs in `collectors.ts`). `collectors/alerts-raised.test.ts` checks this against the raise
 * sites under `api/`, both ways; `infra/program.test.ts` counts these as routed.
 */
export const apiAlerts = {
  'readyz-degraded': 'GET /readyz',
  'n8n-error-hook-received': 'POST /hooks/n8n/error',
  'anthropic-spend-cap-reached': 'POST /enrichments, POST /hooks/n8n/enrichments',
  'uptime-monitor-down': 'POST /hooks/betterstack/incidents/:token',
  'heartbeat-missed': 'POST /hooks/betterstack/incidents/:token',
  'sentry-new-issue': 'POST /hooks/sentry',
  'sentry-error-spike': 'POST /hooks/sentry',
} as const satisfies Partial<Record<AlertId, string>>;

export type ApiAlertId = keyof typeof apiAlerts;
