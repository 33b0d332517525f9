import type { Queryable } from '../../adapters/postgres/pool.ts';
import { isVigieError } from '../../core/errors.ts';
import { scrubText } from '../../core/scrub.ts';

/**
 * What every collector tick shares: the alert router port, "could not read" bookkeeping and
 * the metric points a run emits. A source that fails never becomes a zero: it is listed in
 * `unread`, the summary is `degraded`, and `collector-degraded` is raised once per source.
 */

/** The alert router's `raise` (adapters/alerts/outbox.ts). */
export type RaiseAlert = (
  db: Queryable,
  input: { alertId: string; labels: Record<string, string | number>; at: Date },
) => Promise<unknown>;

export interface Unread {
  /** An id-safe source name, e.g. `anthropic.cost_report`. */
  source: string;
  /** `server-error`, `rate-limited`, `malformed`, `timeout`, `unreachable`, `refused`, … */
  reason: string;
  message: string;
}

export interface MetricPoint {
  name: string;
  value: number;
  labels: Record<string, string>;
}

export type TickStatus = 'ok' | 'alerting' | 'degraded';

export interface RaisedAlert {
  alertId: string;
  labels: Record<string, string | number>;
}

export interface TickBase {
  collector: string;
  at: string;
  status: TickStatus;
  unread: Unread[];
  alertsRaised: RaisedAlert[];
  metrics: MetricPoint[];
}

export function unreadFrom(source: string, error: unknown): Unread {
  const details = isVigieError(error) ? error.details : undefined;
  const reason =
    (typeof details?.reason === 'string' && details.reason) ||
    (typeof details?.n8n === 'string' && details.n8n) ||
    (typeof (error as { code?: unknown })?.code === 'string' &&
      String((error as { code: string }).code)) ||
    'error';
  // Drivers and providers quote what they were handling (`Key (email)=(…)`, "n8n said: …"), and
  // the summary is printed and returned as it is: only known words and ids stay. Scrubbed
  // before the cut, so no half email slips past the patterns.
  const message = scrubText(error instanceof Error ? error.message : String(error));
  return { source, reason: reason.replace(/[^\w.:-]/g, '_'), message: message.slice(0, 300) };
}

/** Raises through the router and records it in the summary. */
export async function raiseAndRecord(
  deps: { db: Queryable; raise: RaiseAlert },
  raised: RaisedAlert[],
  alertId: string,
  labels: Record<string, string | number>,
  at: Date,
): Promise<void> {
  await deps.raise(deps.db, { alertId, labels, at });
  raised.push({ alertId, labels });
}

/** One `collector-degraded` per unread source; status wins over alerting: never a false green. */
export async function finish<T extends TickBase>(
  deps: { db: Queryable; raise: RaiseAlert },
  summary: T,
  now: Date,
): Promise<T> {
  for (const u of summary.unread) {
    await raiseAndRecord(
      deps,
      summary.alertsRaised,
      'collector-degraded',
      { collector: summary.collector, source: u.source, errorCode: u.reason },
      now,
    );
  }
  summary.status =
    summary.unread.length > 0 ? 'degraded' : summary.alertsRaised.length > 0 ? 'alerting' : 'ok';
  return summary;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
