import * as z from 'zod';
import { expectShape, readJson } from '../http/read-json.ts';

/**
 * Sentry's org stats, `GET /api/0/organizations/{org}/stats_v2/` (docs.sentry.io, "Retrieve
 * Event Counts for an Organization (v2)"): Bearer auth token (scope `org:read`),
 * `field=sum(quantity)`, `category=error`, `interval=1d`, `groupBy=outcome`. Answer:
 * `{start, end, intervals: [iso], groups: [{by: {outcome}, totals, series: {"sum(quantity)":
 * [per interval]}}]}`. Plain `fetch`: no official JS client covers Sentry's web API.
 *
 * `start`/`end` rather than `statsPeriod=7d`: a period is relative to when the request runs,
 * so a retried or late weekly run would count the wrong week; fixed bounds do not.
 */
export interface SentryStatsOptions {
  /** Sentry's web API base URL (not the DSN's ingest host). */
  baseUrl: string;
  /** Organization slug. */
  org: string;
  authToken: string;
  timeoutMs?: number;
}

export interface DailyErrorCounts {
  /** One entry per UTC day Sentry bucketed, oldest first: errors it accepted that day. */
  days: Array<{ day: string; accepted: number }>;
  /** Errors Sentry accepted (stored) over the range. */
  accepted: number;
  /** Errors that reached Sentry but were not stored, by outcome (rate_limited, filtered, …). */
  dropped: Record<string, number>;
}

const FIELD = 'sum(quantity)';

const statsAnswer = z
  .object({
    intervals: z.array(z.string().refine((i) => !Number.isNaN(Date.parse(i)))),
    groups: z.array(
      z.object({
        by: z.object({ outcome: z.string().optional() }),
        series: z.object({ [FIELD]: z.array(z.number().int().nonnegative()) }),
      }),
    ),
  })
  // Each series has one count per interval.
  .refine((a) => a.groups.every((g) => g.series[FIELD].length === a.intervals.length));

/** Error events per UTC day between `start` and `end` (whole days), by outcome. */
export async function sentryDailyErrors(
  options: SentryStatsOptions,
  start: Date,
  end: Date,
): Promise<DailyErrorCounts> {
  const source = 'sentry stats_v2';
  const query = new URLSearchParams({
    field: FIELD,
    category: 'error',
    interval: '1d',
    groupBy: 'outcome',
    start: start.toISOString(),
    end: end.toISOString(),
  });
  const base = options.baseUrl.replace(/\/+$/, '');
  const { body } = await readJson(
    `${base}/api/0/organizations/${encodeURIComponent(options.org)}/stats_v2/?${query}`,
    { headers: { authorization: `Bearer ${options.authToken}` } },
    { source, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) },
  );
  const answer = expectShape(
    source,
    body,
    statsAnswer,
    'intervals and per-outcome sum(quantity) series',
  );
  const days = answer.intervals.map((iso) => ({ day: iso.slice(0, 10), accepted: 0 }));
  const dropped: Record<string, number> = {};
  let accepted = 0;
  for (const group of answer.groups) {
    const series = group.series[FIELD] ?? [];
    const outcome = group.by.outcome ?? 'unknown';
    series.forEach((n, i) => {
      if (outcome === 'accepted') {
        accepted += n;
        const day = days[i];
        if (day) day.accepted += n;
      } else if (n > 0) {
        dropped[outcome] = (dropped[outcome] ?? 0) + n;
      }
    });
  }
  return { days, accepted, dropped };
}
