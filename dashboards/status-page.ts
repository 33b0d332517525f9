/**
 * The Better Stack status page and its monitor groups, as data: which monitors and heartbeats
 * appear, under which public names, in which order. The infrastructure program creates them;
 * ids refer to `core/catalog/monitors.ts`.
 */
import { heartbeats, httpMonitors } from '../core/catalog/monitors.ts';

export interface StatusPageResource {
  /** `httpMonitors[].id` or `heartbeats[].id`. */
  id: string;
  kind: 'monitor' | 'heartbeat';
  /** Shown to the public: no internal hostnames, no ids. */
  publicName: string;
}

export interface MonitorGroup {
  name: string;
  resources: StatusPageResource[];
}

/** Public wording for each collector's heartbeat (internal names stay internal). */
const PUBLIC_JOB_NAMES: Record<string, string> = {
  'n8n-failure-rate': 'Workflow health checks',
  cost: 'Spend monitoring',
  deliverability: 'Email deliverability checks',
  'weekly-summary': 'Weekly report',
  'retention-purge': 'Data retention',
  'erasure-retry': 'Erasure requests',
  'alert-dispatch': 'Alerting',
  onboarding: 'Onboarding checks',
  'db-health': 'Database health checks',
  'audit-anchor': 'Audit trail checks',
  uptime: 'Uptime reporting',
};

export const statusPage: {
  name: string;
  subdomain: string;
  timezone: string;
  groups: MonitorGroup[];
} = {
  name: 'Vigie status',
  subdomain: 'vigie-status',
  timezone: 'Europe/Paris',
  groups: [
    {
      name: 'Application',
      resources: [
        { id: 'frontend', kind: 'monitor', publicName: 'Web app' },
        { id: 'app-readyz', kind: 'monitor', publicName: 'API' },
      ],
    },
    {
      name: 'Prospecting workflows',
      resources: [
        { id: 'n8n-webhook-host', kind: 'monitor', publicName: 'Scraping and enrichment' },
      ],
    },
    {
      name: 'Background jobs',
      resources: heartbeats.map((h) => ({
        id: h.id,
        kind: 'heartbeat' as const,
        publicName: PUBLIC_JOB_NAMES[h.collector] ?? h.collector,
      })),
    },
  ],
};

/** Every catalog monitor and heartbeat, so a test can check none is forgotten. */
export const statusPageCandidates = [
  ...httpMonitors.map((m) => m.id),
  ...heartbeats.map((h) => h.id),
];
