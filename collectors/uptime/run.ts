import type { BetterStackClient, OpenIncident } from '../../adapters/betterstack/client.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import { httpMonitors } from '../../core/catalog/monitors.ts';
import { availabilityRange, monitorStatusValue } from '../../core/uptime.ts';
import { finish, type RaiseAlert, type TickBase, unreadFrom } from '../shared/tick.ts';

/**
 * Uptime per monitor and open incidents, read from Better Stack's Uptime API, as metric points
 * the dashboards chart. Better Stack pages on its own (its escalation policy); this collector
 * raises nothing but `collector-degraded` when it cannot read, and then emits no figure for
 * what it could not read (never a 0 that would read as "no incident").
 */
export interface UptimeDeps {
  db: Queryable;
  raise: RaiseAlert;
  betterstack: Pick<BetterStackClient, 'listMonitors' | 'monitorSla' | 'listOpenIncidents'>;
}

export interface MonitorUptime {
  /** Better Stack's monitor id. */
  monitorId: string;
  /** The catalog id (`core/catalog/monitors.ts`), or `unlisted` for a monitor not in it. */
  monitor: string;
  status: string;
  /** Availability over the last seven UTC days, 0–1; null when unread. */
  availability: number | null;
}

export interface UptimeSummary extends TickBase {
  monitors: MonitorUptime[];
  /** Open incidents by what they are about; null when unread. */
  openIncidents: Record<OpenIncident['resource'], number> | null;
}

/** Better Stack monitors are created with the catalog's name (`pronounceable_name`). */
const catalogIdByName = new Map<string, string>(httpMonitors.map((m) => [m.name, m.id]));

export async function run(deps: UptimeDeps, now: Date): Promise<UptimeSummary> {
  const summary: UptimeSummary = {
    collector: 'uptime',
    at: now.toISOString(),
    status: 'ok',
    unread: [],
    alertsRaised: [],
    metrics: [],
    monitors: [],
    openIncidents: null,
  };

  try {
    const monitors = await deps.betterstack.listMonitors();
    const range = availabilityRange(now);
    let slaReadable = true;
    for (const m of monitors) {
      const labels = { monitor_id: m.id, monitor: catalogIdByName.get(m.name) ?? 'unlisted' };
      const entry: MonitorUptime = {
        ...{ monitorId: m.id, monitor: labels.monitor },
        status: m.status,
        availability: null,
      };
      summary.monitors.push(entry);
      summary.metrics.push({
        name: 'vigie_uptime_monitor_status',
        value: monitorStatusValue(m.status),
        labels,
      });
      if (!slaReadable) continue;
      try {
        const sla = await deps.betterstack.monitorSla(m.id, range.from, range.to);
        entry.availability = sla.availability / 100;
        summary.metrics.push({
          name: 'vigie_uptime_availability',
          value: entry.availability,
          labels: { ...labels, window: '7d' },
        });
      } catch (error) {
        // One failure is enough to say so; the other monitors' calls would fail alike.
        slaReadable = false;
        summary.unread.push(unreadFrom('betterstack.sla', error));
      }
    }
  } catch (error) {
    summary.unread.push(unreadFrom('betterstack.monitors', error));
  }

  try {
    const incidents = await deps.betterstack.listOpenIncidents();
    const counts: Record<OpenIncident['resource'], number> = { monitor: 0, heartbeat: 0, other: 0 };
    for (const incident of incidents) counts[incident.resource] += 1;
    summary.openIncidents = counts;
    for (const resource of ['monitor', 'heartbeat', 'other'] as const) {
      if (resource === 'other' && counts.other === 0) continue;
      summary.metrics.push({
        name: 'vigie_uptime_open_incidents',
        value: counts[resource],
        labels: { resource },
      });
    }
  } catch (error) {
    summary.unread.push(unreadFrom('betterstack.incidents', error));
  }
  return finish(deps, summary, now);
}
