import { collectors } from './collectors.ts';

/**
 * Better Stack monitors (Uptime API v2) as data: infra creates them, `vigie monitors list`
 * shows them, the local pinger runs them. Timing is chosen in `core/uptime.ts` (worst case
 * 100 s from outage to incident). Base URLs differ per stage, so a monitor names the setting
 * holding its base URL and the path it checks.
 */
export interface HttpMonitorDefinition {
  id: string;
  name: string;
  /** Setting (env / Pulumi config) holding the base URL of what is monitored. */
  baseUrlSetting: 'APP_PUBLIC_URL' | 'N8N_WEBHOOK_BASE_URL' | 'FRONTEND_URL';
  path: string;
  /** `status`: any 2xx is up. */
  monitorType: 'status';
  checkFrequencySeconds: number;
  confirmationPeriodSeconds: number;
  recoveryPeriodSeconds: number;
  /** Seconds for HTTP monitors (Better Stack allows 2–60). */
  requestTimeoutSeconds: number;
  regions: readonly ('us' | 'eu' | 'as' | 'au')[];
}

/** One heartbeat per collector: the handler pings it on success and `/fail` on error. */
export interface HeartbeatDefinition {
  id: string;
  name: string;
  collector: string;
  /** Seconds between expected pings: the collector's schedule interval. */
  periodSeconds: number;
  /** Extra seconds before alerting (~20% of the period, as Better Stack suggests). */
  graceSeconds: number;
}

const httpTiming = {
  monitorType: 'status',
  checkFrequencySeconds: 30,
  confirmationPeriodSeconds: 60,
  recoveryPeriodSeconds: 180,
  requestTimeoutSeconds: 10,
  regions: ['eu', 'us'],
} as const;

export const httpMonitors = [
  {
    id: 'app-readyz',
    name: 'HTTP app (deep readiness: Postgres, Redis, n8n)',
    baseUrlSetting: 'APP_PUBLIC_URL',
    path: '/readyz',
    ...httpTiming,
  },
  {
    id: 'n8n-webhook-host',
    name: 'n8n webhook host',
    baseUrlSetting: 'N8N_WEBHOOK_BASE_URL',
    path: '/healthz',
    ...httpTiming,
  },
  {
    id: 'frontend',
    name: 'Frontend',
    baseUrlSetting: 'FRONTEND_URL',
    path: '/',
    ...httpTiming,
  },
] as const satisfies readonly HttpMonitorDefinition[];

/** Seconds between runs of each collector's schedule (see `collectors.ts`). */
const collectorPeriodSeconds: Record<(typeof collectors)[number]['name'], number> = {
  'n8n-failure-rate': 15 * 60,
  cost: 24 * 3600,
  deliverability: 3600,
  'weekly-summary': 7 * 24 * 3600,
};

export const heartbeats: readonly HeartbeatDefinition[] = collectors.map((collector) => {
  const periodSeconds = collectorPeriodSeconds[collector.name];
  return {
    id: `heartbeat-${collector.name}`,
    name: `Collector ${collector.name}`,
    collector: collector.name,
    periodSeconds,
    graceSeconds: Math.round(periodSeconds * 0.2),
  };
});
