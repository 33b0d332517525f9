/**
 * State of the Better Stack stand-in: monitors, heartbeats, policies, status pages and
 * incidents, shaped like Uptime API v2/v3 resources (betterstack.com/docs/uptime/api; field
 * lists in docs/betterstack-uptime-api.md).
 */

export type MonitorStatus = 'paused' | 'pending' | 'maintenance' | 'up' | 'validating' | 'down';

/** A monitor's attributes as the API answers them (docs' "List all existing monitors"). */
export interface MonitorAttributes {
  url: string;
  pronounceable_name: string;
  monitor_type: string;
  monitor_group_id: string | null;
  last_checked_at: string | null;
  status: MonitorStatus;
  policy_id: number | null;
  expiration_policy_id: number | null;
  team_name: string;
  required_keyword: string | null;
  verify_ssl: boolean;
  follow_redirects: boolean;
  remember_cookies: boolean;
  check_frequency: number;
  call: boolean;
  sms: boolean;
  email: boolean;
  push: boolean;
  critical_alert: boolean;
  team_wait: number | null;
  http_method: string;
  request_timeout: number;
  recovery_period: number;
  request_headers: Array<{ id?: string; name: string; value: string }>;
  request_body: string;
  paused_at: string | null;
  created_at: string;
  updated_at: string;
  ssl_expiration: number | null;
  domain_expiration: number | null;
  regions: string[];
  maintenance_from: string | null;
  maintenance_to: string | null;
  maintenance_timezone: string;
  maintenance_days: string[];
  port: string | null;
  confirmation_period: number;
  expected_status_codes: number[];
  ip_version: string | null;
}

/** A heartbeat's attributes as the API answers them (docs' "List all existing heartbeats"). */
export interface HeartbeatAttributes {
  url: string;
  name: string;
  period: number;
  grace: number;
  call: boolean;
  sms: boolean;
  email: boolean;
  push: boolean;
  critical_alert: boolean;
  team_wait: number | null;
  heartbeat_group_id: string | null;
  policy_id: number | null;
  team_name: string;
  sort_index: number | null;
  paused_at: string | null;
  maintenance_from: string | null;
  maintenance_to: string | null;
  maintenance_timezone: string;
  maintenance_days: string[];
  created_at: string;
  updated_at: string;
  status: 'paused' | 'pending' | 'up' | 'down';
}

export interface PolicyAttributes {
  name: string;
  repeat_count: number;
  repeat_delay: number;
  incident_token: string | null;
  policy_group_id: number | null;
  team_name: string;
  steps: unknown[];
}

export type StatusPageAttributes = Record<string, unknown> & { subdomain: string };
export type StatusPageResourceAttributes = Record<string, unknown> & {
  status_page_id: number;
  resource_id: number;
  resource_type: string;
};

export interface OutgoingWebhookAttributes {
  name: string | null;
  url: string;
  trigger_type: 'incident_change' | 'on_call_change' | 'monitor_change';
  on_incident_started: boolean;
  on_incident_acknowledged: boolean;
  on_incident_resolved: boolean;
  on_incident_reopened: boolean;
  on_incident_comment: boolean;
  notify_alongside_primary_responder: boolean;
  team_name: string;
}

export interface Incident {
  id: string;
  resource: 'monitor' | 'heartbeat';
  resourceId: string;
  startedAt: Date;
  resolvedAt: Date | null;
  cause: string;
}

export interface IncidentEvent {
  type: 'opened' | 'resolved';
  incidentId: string;
  resource: 'monitor' | 'heartbeat';
  resourceId: string;
  /** Monitor `pronounceable_name` or heartbeat `name`: catalog names, never personal data. */
  name: string;
  at: Date;
  cause: string;
  /** Heartbeats: seconds past `period` when the incident opened (0 for `/fail` and monitors). */
  lateSeconds: number;
}

export class BetterStackStore {
  #next = 1;
  readonly monitors = new Map<string, MonitorAttributes>();
  readonly heartbeats = new Map<
    string,
    HeartbeatAttributes & { token: string; lastPingAt: Date | null }
  >();
  readonly policies = new Map<string, PolicyAttributes>();
  readonly statusPages = new Map<string, StatusPageAttributes>();
  readonly statusPageResources = new Map<string, StatusPageResourceAttributes>();
  readonly outgoingWebhooks = new Map<string, OutgoingWebhookAttributes>();
  readonly incidents: Incident[] = [];
  readonly #listeners: Array<(event: IncidentEvent) => void | Promise<void>> = [];

  nextId(): string {
    return String(this.#next++);
  }

  onIncident(listener: (event: IncidentEvent) => void | Promise<void>): void {
    this.#listeners.push(listener);
  }

  openIncidents(resourceId: string): Incident | undefined {
    return this.incidents.find((i) => i.resourceId === resourceId && i.resolvedAt === null);
  }

  async open(
    resource: Incident['resource'],
    resourceId: string,
    at: Date,
    cause: string,
  ): Promise<void> {
    if (this.openIncidents(resourceId)) return;
    const incident: Incident = {
      id: this.nextId(),
      resource,
      resourceId,
      startedAt: at,
      resolvedAt: null,
      cause,
    };
    this.incidents.push(incident);
    await this.#emit({ type: 'opened', incident });
  }

  async resolve(resourceId: string, at: Date): Promise<void> {
    const incident = this.openIncidents(resourceId);
    if (!incident) return;
    incident.resolvedAt = at;
    await this.#emit({ type: 'resolved', incident });
  }

  /** Seeds a past incident (weekly-summary tests): no event is emitted. */
  addPastIncident(resourceId: string, startedAt: Date, resolvedAt: Date, cause = 'seeded'): void {
    const resource = this.monitors.has(resourceId) ? 'monitor' : 'heartbeat';
    this.incidents.push({ id: this.nextId(), resource, resourceId, startedAt, resolvedAt, cause });
  }

  /**
   * Availability summary over `[from, to)`, as `GET /monitors/{id}/sla` and
   * `GET /heartbeats/{id}/availability` report it.
   */
  sla(resourceId: string, from: Date, to: Date, now: Date) {
    const total = (to.getTime() - from.getTime()) / 1000;
    const durations = this.incidents
      .filter((i) => i.resourceId === resourceId)
      .map((i) => {
        const start = Math.max(i.startedAt.getTime(), from.getTime());
        const end = Math.min((i.resolvedAt ?? now).getTime(), to.getTime());
        return Math.max(0, (end - start) / 1000);
      })
      .filter((d) => d > 0);
    const downtime = durations.reduce((a, b) => a + b, 0);
    return {
      availability: Math.round((1 - downtime / total) * 100 * 10_000) / 10_000,
      total_downtime: Math.round(downtime),
      number_of_incidents: durations.length,
      longest_incident: Math.round(Math.max(0, ...durations)),
      average_incident: durations.length === 0 ? 0 : Math.round(downtime / durations.length),
    };
  }

  async #emit(input: { type: IncidentEvent['type']; incident: Incident }): Promise<void> {
    const { incident } = input;
    const name =
      incident.resource === 'monitor'
        ? (this.monitors.get(incident.resourceId)?.pronounceable_name ?? incident.resourceId)
        : (this.heartbeats.get(incident.resourceId)?.name ?? incident.resourceId);
    const event: IncidentEvent = {
      type: input.type,
      incidentId: incident.id,
      resource: incident.resource,
      resourceId: incident.resourceId,
      name,
      at:
        input.type === 'opened' ? incident.startedAt : (incident.resolvedAt ?? incident.startedAt),
      cause: incident.cause,
      lateSeconds:
        incident.cause === 'missed' ? (this.heartbeats.get(incident.resourceId)?.grace ?? 0) : 0,
    };
    for (const listener of this.#listeners) await listener(event);
  }
}
