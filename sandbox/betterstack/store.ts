/**
 * State of the Better Stack stand-in: monitors, heartbeats, policies and incidents, shaped like
 * Uptime API v2/v3 resources (betterstack.com/docs/uptime/api; field list in Terraform provider
 * BetterStackHQ/terraform-provider-better-uptime `docs/resources/*`; see
 * docs/providers/monitoring.md).
 */

export type MonitorStatus = 'paused' | 'pending' | 'maintenance' | 'up' | 'validating' | 'down';

export interface MonitorAttributes {
  url: string;
  pronounceable_name: string;
  monitor_type: string;
  check_frequency: number;
  confirmation_period: number;
  recovery_period: number;
  request_timeout: number;
  regions: string[];
  policy_id: string | null;
  paused: boolean;
  status: MonitorStatus;
  created_at: string;
}

export interface HeartbeatAttributes {
  name: string;
  period: number;
  grace: number;
  policy_id: string | null;
  paused: boolean;
  url: string;
  status: 'paused' | 'pending' | 'up' | 'down';
  created_at: string;
}

export interface PolicyAttributes {
  name: string;
  repeat_count: number;
  repeat_delay: number;
  steps: unknown[];
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

  /** Availability summary over `[from, to)`, as `GET /monitors/{id}/sla` reports it. */
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
