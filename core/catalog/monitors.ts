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

/**
 * Seconds between runs of an EventBridge `cron(min hour dom month dow year)` schedule, for the
 * shapes the catalog uses: every N minutes (`0/N * …`), hourly, daily, weekly (one weekday).
 */
export function schedulePeriodSeconds(schedule: string): number {
  const fields = /^cron\((.+)\)$/.exec(schedule)?.[1]?.split(' ') ?? [];
  const [minute = '', hour = '', , , dow = ''] = fields;
  const every = /^\d+\/(\d+)$/.exec(minute);
  if (fields.length === 6) {
    if (every && hour === '*') return Number(every[1]) * 60;
    if (/^\d+$/.test(minute) && hour === '*') return 3600;
    if (/^\d+$/.test(minute) && /^\d+$/.test(hour) && (dow === '?' || dow === '*')) return 86_400;
    if (/^\d+$/.test(minute) && /^\d+$/.test(hour) && /^[A-Z]{3}$/.test(dow)) return 7 * 86_400;
  }
  throw new Error(`schedulePeriodSeconds: unsupported schedule ${schedule}; add its shape here`);
}

export const heartbeats: readonly HeartbeatDefinition[] = collectors.map((collector) => {
  const periodSeconds = schedulePeriodSeconds(collector.schedule);
  return {
    id: `heartbeat-${collector.name}`,
    name: `Collector ${collector.name}`,
    collector: collector.name,
    periodSeconds,
    graceSeconds: Math.round(periodSeconds * 0.2),
  };
});
