import * as z from 'zod';
import { heartbeats } from './catalog/monitors.ts';
import { VigieError } from './errors.ts';

/**
 * Better Stack's incident webhook (Uptime → Integrations → Outgoing webhooks, trigger
 * `incident_change`; docs/alert-webhooks.md): the incident resource as the Uptime API returns
 * it, JSON:API style, sent when an incident starts, is acknowledged, resolved or reopened.
 * Loose objects: Better Stack adds attributes over time. Only ids and timestamps are read;
 * `acknowledged_by`, `resolved_by`, `response_content` and the like are personal or free text
 * and never leave this module.
 */
const id = z.union([z.string().min(1), z.number().int()]).transform(String);
const reference = z.looseObject({ data: z.looseObject({ id, type: z.string() }).nullable() });
const timestamp = z.iso.datetime({ offset: true, message: 'expected an ISO 8601 date-time' });

export const betterStackIncidentPayload = z.looseObject({
  data: z.looseObject({
    id,
    type: z.literal('incident', { message: 'expected an incident (data.type "incident")' }),
    attributes: z.looseObject({
      name: z.string().nullish(),
      started_at: timestamp,
      acknowledged_at: timestamp.nullish(),
      resolved_at: timestamp.nullish(),
      status: z.string().optional(),
    }),
    relationships: z
      .looseObject({ monitor: reference.optional(), heartbeat: reference.optional() })
      .optional(),
  }),
});
export type BetterStackIncidentPayload = z.infer<typeof betterStackIncidentPayload>;

export type IncidentAction =
  | { kind: 'raise'; alertId: string; labels: Record<string, string | number>; at: Date }
  | { kind: 'resolve'; alertId: string; labels: Record<string, string | number>; at: Date }
  /** An acknowledgement, or an incident opened by hand (no monitor or heartbeat). */
  | { kind: 'ignore'; reason: string };

/**
 * What the alert router does with one delivery: a started (or reopened) incident raises
 * `uptime-monitor-down` or `heartbeat-missed`, a resolved one resolves it, an acknowledged one
 * changes nothing (the alert is already out). Deliveries are state, not events, so a retried
 * one adds an occurrence to the same group, never a second message.
 */
export function incidentAction(payload: BetterStackIncidentPayload, now: Date): IncidentAction {
  const incident = payload.data;
  notInFuture(incident.attributes, now);
  const monitor = incident.relationships?.monitor?.data;
  const heartbeat = incident.relationships?.heartbeat?.data;
  const resolvedAt = incident.attributes.resolved_at;
  if (!monitor && !heartbeat) return { kind: 'ignore', reason: 'not a monitor or heartbeat' };
  if (resolvedAt) {
    return monitor
      ? {
          kind: 'resolve',
          alertId: 'uptime-monitor-down',
          labels: { monitorId: monitor.id },
          at: new Date(resolvedAt),
        }
      : {
          kind: 'resolve',
          alertId: 'heartbeat-missed',
          labels: { heartbeatId: heartbeat!.id },
          at: new Date(resolvedAt),
        };
  }
  if (incident.attributes.acknowledged_at) return { kind: 'ignore', reason: 'acknowledged' };
  const startedAt = new Date(incident.attributes.started_at);
  if (monitor) {
    return {
      kind: 'raise',
      alertId: 'uptime-monitor-down',
      labels: { monitorId: monitor.id, incidentId: incident.id },
      at: startedAt,
    };
  }
  return {
    kind: 'raise',
    alertId: 'heartbeat-missed',
    labels: { heartbeatId: heartbeat!.id, minutesLate: minutesLate(incident, now) },
    at: startedAt,
  };
}

/** Clock skew tolerated between Better Stack and this process. */
const FUTURE_SKEW_MS = 5 * 60_000;

/**
 * An incident dated ahead of now is refused: raised at its start, its group's first message
 * would be due then (year 9999: never), and the monitor's later incidents would join it.
 */
function notInFuture(attributes: BetterStackIncidentPayload['data']['attributes'], now: Date) {
  for (const field of ['started_at', 'acknowledged_at', 'resolved_at'] as const) {
    const value = attributes[field];
    if (value && Date.parse(value) > now.getTime() + FUTURE_SKEW_MS) {
      throw new VigieError(
        'BAD_REQUEST',
        `Invalid request body: data.attributes.${field} is in the future (more than 5 minutes ahead of this server's clock).`,
      );
    }
  }
}

/**
 * Minutes past the heartbeat's period: Better Stack opens the incident `grace` after the
 * period, and the delivery may come later still. The grace is the catalog's, found by the
 * heartbeat's name (`… Collector <name>`, set by `infra/components/uptime-monitors.ts`).
 */
function minutesLate(incident: BetterStackIncidentPayload['data'], now: Date): number {
  const name = incident.attributes.name ?? '';
  const grace = heartbeats.find((h) => name.endsWith(h.name))?.graceSeconds ?? 0;
  const since = Math.max(0, now.getTime() - Date.parse(incident.attributes.started_at)) / 1000;
  return Math.round((grace + since) / 60);
}
