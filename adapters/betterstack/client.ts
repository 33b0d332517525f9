import type { HeartbeatDefinition, HttpMonitorDefinition } from '../../core/catalog/monitors.ts';
import * as z from 'zod';
import { expectShape, ProviderReadError, readJson } from '../http/read-json.ts';

/**
 * Better Stack Uptime API (betterstack.com/docs/uptime/api; monitoring.md §1): Bearer token,
 * JSON:API-style `{data: {id, type, attributes}}`, lists paged by `pagination.next`.
 */
export interface BetterStackClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

export interface Sla {
  availability: number;
  total_downtime: number;
  number_of_incidents: number;
  longest_incident: number;
  average_incident: number;
}

export interface RemoteMonitor {
  id: string;
  name: string;
  url: string;
  status: string;
}

/** An unresolved incident, by what it is about (its `relationships`), ids only. */
export interface OpenIncident {
  id: string;
  resource: 'monitor' | 'heartbeat' | 'other';
  /** The monitor's or heartbeat's id; null for an incident about neither (created by hand). */
  resourceId: string | null;
  startedAt: string;
}

export interface BetterStackClient {
  listMonitors(): Promise<RemoteMonitor[]>;
  /** Unresolved incidents (Uptime API v3 `GET /incidents?resolved=false`), every page. */
  listOpenIncidents(): Promise<OpenIncident[]>;
  /** Availability over whole days `from`..`to` (YYYY-MM-DD, inclusive). */
  monitorSla(id: string, from: string, to: string): Promise<Sla>;
  createMonitor(def: HttpMonitorDefinition, url: string, policyId?: string): Promise<string>;
  /** Returns the heartbeat id and its ping URL. */
  createHeartbeat(
    def: HeartbeatDefinition,
    policyId?: string,
  ): Promise<{ id: string; url: string }>;
}

const hasData = z.object({ data: z.unknown() }).refine((b) => 'data' in b);
const resource = z.object({ id: z.string(), attributes: z.record(z.string(), z.unknown()) });
const monitorsPage = z.object({
  data: z.array(z.unknown()),
  pagination: z.object({ next: z.string().nullish() }).optional(),
});

const incidentItem = z.object({
  id: z.string(),
  attributes: z.object({ started_at: z.string(), resolved_at: z.string().nullish() }),
  relationships: z
    .record(z.string(), z.object({ data: z.object({ id: z.string() }).nullish() }))
    .optional(),
});

/** A count or a duration in seconds: a number, or a decimal string of one; never NaN or < 0. */
const figure = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\d+(\.\d+)?$/)
      .transform(Number),
  ])
  .refine((n) => Number.isFinite(n) && n >= 0)
  .nullish();
const slaAttributes = z.object({
  availability: z.number().min(0).max(100),
  total_downtime: figure,
  number_of_incidents: figure,
  longest_incident: figure,
  average_incident: figure,
});

export function createBetterStackClient(options: BetterStackClientOptions): BetterStackClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const headers = { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' };
  const call = async (source: string, path: string, init: RequestInit = {}) => {
    const { body } = await readJson(
      `${base}${path}`,
      { headers, ...init },
      { source, timeoutMs: options.timeoutMs },
    );
    return expectShape(source, body, hasData, 'a data field').data;
  };
  const attributes = (
    source: string,
    item: unknown,
  ): { id: string; attributes: Record<string, unknown> } =>
    expectShape(source, item, resource, 'an id and attributes');

  return {
    async listMonitors() {
      const out: RemoteMonitor[] = [];
      let path: string | null = '/api/v2/monitors';
      const read = new Set<string>();
      while (path) {
        read.add(path);
        const { body } = await readJson(
          `${base}${path}`,
          { headers },
          { source: 'betterstack monitors', timeoutMs: options.timeoutMs },
        );
        const page = expectShape('betterstack monitors', body, monitorsPage, 'a data array');
        for (const item of page.data) {
          const m = attributes('betterstack monitors', item);
          out.push({
            id: m.id,
            name: String(m.attributes.pronounceable_name ?? ''),
            url: String(m.attributes.url ?? ''),
            status: String(m.attributes.status ?? ''),
          });
        }
        path = nextPath('betterstack monitors', page.pagination?.next, read);
      }
      return out;
    },
    async listOpenIncidents() {
      const source = 'betterstack incidents';
      const out: OpenIncident[] = [];
      // 50 a page, the most the endpoint allows (docs/betterstack-uptime-api.md).
      let path: string | null = '/api/v3/incidents?resolved=false&per_page=50';
      const read = new Set<string>();
      while (path) {
        read.add(path);
        const { body } = await readJson(
          `${base}${path}`,
          { headers },
          { source, timeoutMs: options.timeoutMs },
        );
        const page = expectShape(source, body, monitorsPage, 'a data array');
        for (const item of page.data) {
          const i = expectShape(source, item, incidentItem, 'an id, started_at and relationships');
          // The filter asks for unresolved ones; one that says otherwise is not counted.
          if (i.attributes.resolved_at) continue;
          const monitor = i.relationships?.monitor?.data?.id;
          const heartbeat = i.relationships?.heartbeat?.data?.id;
          out.push({
            id: i.id,
            resource: monitor ? 'monitor' : heartbeat ? 'heartbeat' : 'other',
            resourceId: monitor ?? heartbeat ?? null,
            startedAt: i.attributes.started_at,
          });
        }
        path = nextPath(source, page.pagination?.next, read);
      }
      return out;
    },
    async monitorSla(id, from, to) {
      const source = 'betterstack sla';
      const data = attributes(
        source,
        await call(source, `/api/v2/monitors/${encodeURIComponent(id)}/sla?from=${from}&to=${to}`),
      );
      const sla = slaAttributes.safeParse(data.attributes);
      if (!sla.success) {
        throw new ProviderReadError(
          source,
          'malformed',
          `${source} answered without availability (0-100) and non-negative figures`,
        );
      }
      const a = sla.data;
      return {
        availability: a.availability,
        total_downtime: a.total_downtime ?? 0,
        number_of_incidents: a.number_of_incidents ?? 0,
        longest_incident: a.longest_incident ?? 0,
        average_incident: a.average_incident ?? 0,
      };
    },
    async createMonitor(def, url, policyId) {
      const source = 'betterstack create monitor';
      const data = await call(source, '/api/v2/monitors', {
        method: 'POST',
        body: JSON.stringify({
          url,
          pronounceable_name: def.name,
          monitor_type: def.monitorType,
          check_frequency: def.checkFrequencySeconds,
          confirmation_period: def.confirmationPeriodSeconds,
          recovery_period: def.recoveryPeriodSeconds,
          request_timeout: def.requestTimeoutSeconds,
          regions: [...def.regions],
          ...(policyId ? { policy_id: policyId } : {}),
        }),
      });
      return attributes(source, data).id;
    },
    async createHeartbeat(def, policyId) {
      const source = 'betterstack create heartbeat';
      const data = await call(source, '/api/v2/heartbeats', {
        method: 'POST',
        body: JSON.stringify({
          name: def.name,
          period: def.periodSeconds,
          grace: def.graceSeconds,
          ...(policyId ? { policy_id: policyId } : {}),
        }),
      });
      const h = attributes(source, data);
      return { id: h.id, url: String(h.attributes.url) };
    },
  };
}

/**
 * The path of `pagination.next`, or null on the last page. A `next` that is not a URL, or that
 * names a page already read (`read`: a loop would never end), makes the list `malformed`.
 */
function nextPath(source: string, next: string | null | undefined, read: Set<string>) {
  if (!next) return null;
  let path: string;
  try {
    const url = new URL(next);
    path = url.pathname + url.search;
  } catch {
    throw new ProviderReadError(
      source,
      'malformed',
      `${source} answered a next page that is not a URL`,
    );
  }
  if (read.has(path)) {
    throw new ProviderReadError(
      source,
      'malformed',
      `${source} pages in a loop (next names a page already read)`,
    );
  }
  return path;
}
