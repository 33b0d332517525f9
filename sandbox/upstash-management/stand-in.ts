/**
 * Upstash Developer API stand-in: `GET /v2/redis/stats/{id}` only.
 *
 * Follows upstash/docs `devops/developer-api/redis/get_database_stats.mdx` and
 * `devops/developer-api/authentication.mdx` (docs/providers/upstash-phantombuster.md):
 * HTTP Basic `EMAIL:API_KEY`; time series of `{x, y}` (`dailyrequests`, `dailybilling` in USD
 * per day, …) whose `x` is Go's time text (`2023-05-22 10:59:23.426 +0000 UTC`, the
 * `TimeSeriesData` schema of the Developer API's openapi.yml), not ISO 8601, and scalars
 * `daily_net_commands`, `dailybandwidth`, `total_monthly_requests`, `total_monthly_bandwidth`,
 * `total_monthly_storage`, `current_storage`, `total_monthly_billing` (USD). Billing is computed from the command count at the PAYG price
 * of $0.20 per 100k commands; the count is what a test sets, or what the REST bridge measured
 * (`usageFromBridge`).
 */
import { Hono } from 'hono';
import { defaultFaults, faultMiddleware, type HttpFaults, listen } from '../http-faults.ts';
import type { UpstashBridge } from '../upstash/bridge.ts';

export interface UpstashDatabaseUsage {
  /** Commands this month so far; billed at $0.20 per 100k. */
  monthlyRequests: number;
  /** Requests per day for the last days (oldest first), for the time series. */
  dailyRequests: number[];
  storageBytes: number;
  /** Bytes moved per day (oldest first, as `dailyRequests`); zero when absent. */
  dailyBandwidthBytes?: number[];
}

/** Read on every stats request: a database whose usage is measured live. */
export type UsageSource = () => Promise<UpstashDatabaseUsage>;

export interface UpstashManagementStandIn {
  url: string;
  faults: HttpFaults;
  databases: Map<string, UpstashDatabaseUsage | UsageSource>;
  close(): Promise<void>;
}

export const PAYG_USD_PER_100K = 0.2;

export async function startUpstashManagementStandIn(options: {
  email: string;
  apiKey: string;
  port?: number;
  now?: () => Date;
}): Promise<UpstashManagementStandIn> {
  const now = options.now ?? (() => new Date());
  const faults = defaultFaults();
  const databases = new Map<string, UpstashDatabaseUsage | UsageSource>();
  const closing = new AbortController();
  const app = new Hono();
  const expected = `Basic ${Buffer.from(`${options.email}:${options.apiKey}`).toString('base64')}`;
  app.use('*', faultMiddleware(faults, closing.signal));
  app.use('*', async (c, next) => {
    if (c.req.header('authorization') !== expected) return c.text('Unauthorized', 401);
    return next();
  });
  app.get('/v2/redis/stats/:id', async (c) => {
    const entry = databases.get(c.req.param('id'));
    if (!entry) return c.json({ error: 'database not found' }, 404);
    const db = typeof entry === 'function' ? await entry() : entry;
    const bandwidth = db.dailyBandwidthBytes ?? db.dailyRequests.map(() => 0);
    const today = Date.UTC(now().getUTCFullYear(), now().getUTCMonth(), now().getUTCDate());
    // The i-th of n daily values, the last one being today.
    const dayOf = (i: number, n: number) => new Date(today - (n - 1 - i) * 86_400_000);
    const series = (values: number[]) =>
      values.map((y, i) => ({ x: goTime(dayOf(i, values.length)), y }));
    const days = db.dailyRequests.map((_, i) =>
      dayOf(i, db.dailyRequests.length).toLocaleDateString('en-US', {
        weekday: 'long',
        timeZone: 'UTC',
      }),
    );
    return c.json({
      daily_net_commands: db.dailyRequests.at(-1) ?? 0,
      dailyrequests: series(db.dailyRequests),
      days,
      dailybilling: series(db.dailyRequests.map((r) => (r / 100_000) * PAYG_USD_PER_100K)),
      bandwidths: series(bandwidth),
      connection_count: series(db.dailyRequests.map(() => 1)),
      throughput: [],
      diskusage: series([db.storageBytes]),
      hits: [],
      misses: [],
      dailybandwidth: bandwidth.at(-1) ?? 0,
      total_monthly_bandwidth: bandwidth.reduce((sum, b) => sum + b, 0),
      total_monthly_requests: db.monthlyRequests,
      total_monthly_storage: db.storageBytes,
      current_storage: db.storageBytes,
      total_monthly_billing: (db.monthlyRequests / 100_000) * PAYG_USD_PER_100K,
    });
  });
  const server = await listen(app, options.port, () => closing.abort());
  return { url: server.url, faults, databases, close: server.close };
}

/**
 * A time as Go's `time.Time.String()` writes it, which is what the Developer API sends:
 * `2006-01-02 15:04:05.999999999 -0700 MST`, fraction trimmed of trailing zeros (none at all
 * on a whole second), always UTC here.
 */
export function goTime(date: Date): string {
  const [day, clock] = date.toISOString().slice(0, -1).split('T') as [string, string];
  return `${day} ${clock.replace(/\.?0+$/, '')} +0000 UTC`;
}

/** The bridge's measured usage (this month, by UTC day) as this stand-in serves it. */
export function usageFromBridge(
  bridge: Pick<UpstashBridge, 'usage' | 'storageBytes'>,
  now: () => Date = () => new Date(),
): UsageSource {
  return async () => {
    const { monthlyRequests, days } = bridge.usage.snapshot(now());
    return {
      monthlyRequests,
      dailyRequests: days.map((d) => d.commands),
      dailyBandwidthBytes: days.map((d) => d.bandwidthBytes),
      storageBytes: await bridge.storageBytes(),
    };
  };
}
