/**
 * Sentry stand-in: the envelope ingest endpoint, `POST /api/<project_id>/envelope/`, and the
 * org stats API, on the shared Hono `listen` of the other stand-ins (`../http-faults.ts`).
 *
 * Follows Sentry's envelope spec and Relay's behaviour (docs/providers/monitoring.md, "Sentry
 * ingestion"): the key from the `sentry_key` query, an `X-Sentry-Auth: Sentry sentry_key=…`
 * or `Authorization: Sentry sentry_key=…` header, or the envelope header's `dsn`; no key → 401,
 * an unknown key → 403; optional gzip; a JSON header line, then items (item header line,
 * payload of exactly `length` bytes or up to the next newline); unknown item types skipped;
 * 200 with `{"id": "<event_id>"}` (the envelope's event id, `{}` when it has none).
 *
 * Test and drill infrastructure: events are kept in memory and queryable; fault knobs give an
 * outage (503) or rate limiting (429 with Retry-After and X-Sentry-Rate-Limits).
 *
 * Also the org stats API the weekly summary reads, `GET /api/0/organizations/{org}/stats_v2/`
 * (docs/providers/monitoring.md, "Sentry org stats"): Bearer auth token;
 * `field=sum(quantity)|sum(times_seen)`, `groupBy` (outcome, category, reason, project),
 * `category` (the documented data categories; anything else 400), `outcome`, `interval`
 * (`<n>h|d`), `statsPeriod` or `start`+`end`; answers `{start, end, intervals, groups: [{by,
 * totals, series}]}` computed from the envelopes this stand-in received (`accepted`) or refused
 * with the rate-limit knob (`rate_limited`, reason `usage_exceeded`), stamped with the `now`
 * clock. Its fault switches (`statsFaults`) are the shared `http-faults.ts` ones.
 */
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { type Context, Hono } from 'hono';
import { defaultFaults, faultMiddleware, type HttpFaults, listen } from '../http-faults.ts';

export interface EnvelopeItem {
  type: string;
  header: Record<string, unknown>;
  /** Parsed JSON for JSON items, else the raw bytes. */
  payload: unknown;
}

export interface ReceivedEnvelope {
  projectId: string;
  header: Record<string, unknown>;
  items: EnvelopeItem[];
  gzipped: boolean;
  receivedAt: Date;
}

/** A stored error event or transaction: the item payload plus where it came from. */
export interface StoredEvent {
  type: 'event' | 'transaction';
  projectId: string;
  envelopeHeader: Record<string, unknown>;
  /** The Sentry event payload (`event_id`, `exception`, `contexts.trace.trace_id`, `tags`…). */
  payload: Record<string, unknown> & {
    event_id?: string;
    message?: unknown;
    tags?: Record<string, unknown>;
    contexts?: { trace?: { trace_id?: string; span_id?: string } } & Record<string, unknown>;
    exception?: { values?: { type?: string; value?: string }[] };
  };
}

export interface SentryFaults {
  /** Answer 503 to every envelope (events are dropped, like a real outage). */
  outage?: boolean;
  /** Answer 429 with this Retry-After (seconds). */
  rateLimitSeconds?: number;
  /** Delay each answer by this many ms. */
  latencyMs?: number;
}

/** The data categories Sentry's stats API documents (a `category` outside them is a 400). */
export const DATA_CATEGORIES = [
  'error',
  'transaction',
  'attachment',
  'replay',
  'profile',
  'profile_duration',
  'profile_duration_ui',
  'profile_chunk',
  'profile_chunk_ui',
  'monitor',
  'span',
  'log_item',
  'log_byte',
] as const;
export type DataCategory = (typeof DATA_CATEGORIES)[number];

/** Envelope item types → the data category an item counts under. */
const CATEGORY_OF_ITEM: Record<string, DataCategory> = {
  event: 'error',
  transaction: 'transaction',
  attachment: 'attachment',
  replay_event: 'replay',
  profile: 'profile',
  profile_chunk: 'profile_chunk',
  check_in: 'monitor',
  span: 'span',
  log: 'log_item',
};

/** One ingestion outcome, as Sentry's stats count them (one item). */
export interface Outcome {
  at: Date;
  category: DataCategory;
  outcome: 'accepted' | 'rate_limited';
  /** Why it was not accepted (`usage_exceeded`); `none` for accepted items. */
  reason: string;
  projectId: string;
}

export interface SentryStandInOptions {
  projectId?: string;
  publicKey?: string;
  /** Organization slug the stats API answers for (default `vigie`). */
  org?: string;
  /** Bearer token the stats API accepts (default `sentry-stats-token`). */
  authToken?: string;
  /** Clock that stamps received events (tests compress time); default the wall clock. */
  now?: () => Date;
}

export interface SentryStandIn {
  url: string;
  org: string;
  authToken: string;
  /** Every counted outcome, oldest first. */
  outcomes(): Outcome[];
  /** Fault knobs of the stats API (read on every request). */
  statsFaults: HttpFaults;
  /** A DSN for this stand-in: `http://<publicKey>@127.0.0.1:<port>/<projectId>`. */
  dsn: string;
  projectId: string;
  publicKey: string;
  envelopes(): ReceivedEnvelope[];
  events(): StoredEvent[];
  transactions(): StoredEvent[];
  /** Resolves with the first stored event or transaction matching `predicate`. */
  waitFor(predicate: (event: StoredEvent) => boolean, timeoutMs?: number): Promise<StoredEvent>;
  setFaults(faults: SentryFaults): void;
  /** Counts of requests by answer status, including rejected ones. */
  stats(): { accepted: number; rejected: number; faulted: number };
  reset(): void;
  close(): Promise<void>;
}

const MAX_COMPRESSED_BYTES = 20 * 1024 * 1024;

export async function startSentryStandIn(
  options: SentryStandInOptions = {},
): Promise<SentryStandIn> {
  const projectId = options.projectId ?? '1';
  const publicKey = options.publicKey ?? randomBytes(16).toString('hex');
  const org = options.org ?? 'vigie';
  const authToken = options.authToken ?? 'sentry-stats-token';
  const now = options.now ?? (() => new Date());
  const closing = new AbortController();
  const statsFaults = defaultFaults();
  let envelopes: ReceivedEnvelope[] = [];
  let stored: StoredEvent[] = [];
  let outcomes: Outcome[] = [];
  let faults: SentryFaults = {};
  const counters = { accepted: 0, rejected: 0, faulted: 0 };
  const waiters = new Set<() => void>();

  const app = new Hono({ strict: false });

  app.post('/api/:projectId/envelope', async (c) => {
    const length = Number(c.req.header('content-length') ?? 0);
    if (length > MAX_COMPRESSED_BYTES) return reject(c, 413, 'envelope too large');
    const body = Buffer.from(await c.req.arrayBuffer());
    if (body.length > MAX_COMPRESSED_BYTES) return reject(c, 413, 'envelope too large');
    const gzipped = c.req.header('content-encoding') === 'gzip';
    if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.outage) {
      counters.faulted++;
      return c.json({ detail: 'outage (fault knob)' }, 503);
    }
    if (faults.rateLimitSeconds !== undefined) {
      counters.faulted++;
      // Sentry counts what it refused: each counted item is a `rate_limited` outcome.
      for (const type of itemTypes(body, gzipped)) {
        const category = CATEGORY_OF_ITEM[type];
        if (category) {
          outcomes.push({
            at: now(),
            category,
            outcome: 'rate_limited',
            reason: 'usage_exceeded',
            projectId,
          });
        }
      }
      c.header('Retry-After', String(faults.rateLimitSeconds));
      c.header('X-Sentry-Rate-Limits', `${faults.rateLimitSeconds}::organization`);
      return c.json({ detail: 'rate limited (fault knob)' }, 429);
    }
    let raw: Buffer;
    try {
      raw = gzipped ? gunzipSync(body) : body;
    } catch {
      return reject(c, 400, 'body is not valid gzip');
    }
    let envelope: { header: Record<string, unknown>; items: EnvelopeItem[] };
    try {
      envelope = parseEnvelope(raw);
    } catch (error) {
      return reject(c, 400, `invalid envelope: ${(error as Error).message}`);
    }
    if (c.req.param('projectId') !== projectId) {
      return reject(c, 404, `unknown project ${c.req.param('projectId')}`);
    }
    const key = keyOf(c, envelope.header);
    if (key === undefined) return reject(c, 401, 'missing authorization information');
    if (key !== publicKey) return reject(c, 403, 'invalid or unknown sentry_key');
    counters.accepted++;
    const receivedAt = now();
    envelopes.push({ projectId, ...envelope, gzipped, receivedAt });
    let eventId =
      typeof envelope.header.event_id === 'string' ? envelope.header.event_id : undefined;
    for (const item of envelope.items) {
      const category = CATEGORY_OF_ITEM[item.type];
      if (category) {
        outcomes.push({ at: receivedAt, category, outcome: 'accepted', reason: 'none', projectId });
      }
      if ((item.type === 'event' || item.type === 'transaction') && isRecord(item.payload)) {
        if (eventId === undefined && typeof item.payload.event_id === 'string') {
          eventId = item.payload.event_id;
        }
        stored.push({
          type: item.type,
          projectId,
          envelopeHeader: envelope.header,
          payload: item.payload,
        });
      }
      // Other types (session, client_report, attachment, span, log…) are accepted and not indexed.
    }
    for (const wake of waiters) wake();
    return c.json(eventId === undefined ? {} : { id: eventId });
  });

  const stats = new Hono();
  stats.use('*', faultMiddleware(statsFaults, closing.signal));
  stats.get('/:org/stats_v2', (c) => {
    if (c.req.header('authorization') !== `Bearer ${authToken}`) {
      return c.json({ detail: 'Invalid token' }, 401);
    }
    if (c.req.param('org') !== org) {
      return c.json({ detail: 'The requested resource does not exist' }, 404);
    }
    const query = statsQuery(new URL(c.req.url).searchParams, now());
    if (typeof query === 'string') return c.json({ detail: query }, 400);
    return c.json(statsAnswer(outcomes, query, projectId) as object);
  });
  app.route('/api/0/organizations', stats);
  app.all('*', (c) => reject(c, 404, 'not found: POST /api/<project_id>/envelope/'));

  function reject(c: Context, status: 400 | 401 | 403 | 404 | 413, detail: string): Response {
    counters.rejected++;
    return c.json({ detail }, status);
  }

  const server = await listen(app, 0, () => closing.abort());
  const url = server.url;
  const port = Number(new URL(url).port);

  return {
    url,
    org,
    authToken,
    outcomes: () => [...outcomes],
    statsFaults,
    dsn: `http://${publicKey}@127.0.0.1:${port}/${projectId}`,
    projectId,
    publicKey,
    envelopes: () => [...envelopes],
    events: () => stored.filter((e) => e.type === 'event'),
    transactions: () => stored.filter((e) => e.type === 'transaction'),
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise<StoredEvent>((resolve, reject) => {
        const check = (): boolean => {
          const found = stored.find(predicate);
          if (!found) return false;
          cleanup();
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`Sentry stand-in: no matching event within ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = (): void => {
          check();
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
        check();
      });
    },
    setFaults(next) {
      faults = { ...next };
    },
    stats: () => ({ ...counters }),
    reset() {
      envelopes = [];
      stored = [];
      outcomes = [];
      faults = {};
      Object.assign(statsFaults, defaultFaults());
    },
    close: server.close,
  };
}

/**
 * Parses an envelope: header line, then (item header line, payload) pairs. With `length` the
 * payload is exactly that many bytes (it may contain newlines); without, it ends at the next
 * newline or at the end of the body.
 */
export function parseEnvelope(raw: Buffer): {
  header: Record<string, unknown>;
  items: EnvelopeItem[];
} {
  let offset = 0;
  const readLine = (): Buffer | undefined => {
    if (offset >= raw.length) return undefined;
    const end = raw.indexOf(0x0a, offset);
    const line = raw.subarray(offset, end === -1 ? raw.length : end);
    offset = end === -1 ? raw.length : end + 1;
    return line;
  };
  const headerLine = readLine();
  if (!headerLine || headerLine.length === 0) throw new Error('missing envelope header');
  const header = JSON.parse(headerLine.toString('utf8')) as unknown;
  if (!isRecord(header)) throw new Error('envelope header is not a JSON object');
  const items: EnvelopeItem[] = [];
  for (;;) {
    const itemHeaderLine = readLine();
    if (itemHeaderLine === undefined) break;
    if (itemHeaderLine.length === 0) continue; // a trailing newline
    const itemHeader = JSON.parse(itemHeaderLine.toString('utf8')) as unknown;
    if (!isRecord(itemHeader) || typeof itemHeader.type !== 'string') {
      throw new Error('item header without a type');
    }
    let payload: Buffer;
    if (typeof itemHeader.length === 'number') {
      payload = raw.subarray(offset, offset + itemHeader.length);
      if (payload.length !== itemHeader.length) throw new Error('item shorter than its length');
      offset += itemHeader.length;
      if (raw[offset] === 0x0a) offset++;
    } else {
      payload = readLine() ?? Buffer.alloc(0);
    }
    items.push({ type: itemHeader.type, header: itemHeader, payload: decodePayload(payload) });
  }
  return { header, items };
}

const GROUP_BY = ['outcome', 'category', 'reason', 'project'] as const;
type GroupBy = (typeof GROUP_BY)[number];

interface StatsQuery {
  field: 'sum(quantity)' | 'sum(times_seen)';
  groupBy: GroupBy[];
  categories: string[];
  outcomes: string[];
  start: Date;
  end: Date;
  intervalMs: number;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

function duration(text: string | null): number | undefined {
  const m = text === null ? null : /^(\d+)([mhdw])$/.exec(text);
  return m ? Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0) : undefined;
}

/** Validates the stats_v2 query the way Sentry documents it; a string is the 400 detail. */
function statsQuery(params: URLSearchParams, now: Date): StatsQuery | string {
  const field = params.get('field');
  if (field !== 'sum(quantity)' && field !== 'sum(times_seen)') {
    return 'field must be sum(quantity) or sum(times_seen)';
  }
  const groupBy = params.getAll('groupBy');
  if (groupBy.length === 0) return 'groupBy is required';
  const unsupported = groupBy.find((g) => !(GROUP_BY as readonly string[]).includes(g));
  if (unsupported) return `Invalid groupBy: ${unsupported} (one of ${GROUP_BY.join(', ')})`;
  const unknownCategory = params
    .getAll('category')
    .find((c) => !(DATA_CATEGORIES as readonly string[]).includes(c));
  if (unknownCategory) return `Invalid category: ${unknownCategory}`;
  const intervalMs = duration(params.get('interval') ?? '1h');
  if (intervalMs === undefined || intervalMs < 3_600_000 || intervalMs > 86_400_000) {
    return 'interval must be between 1h and 1d';
  }
  let start: number;
  let end: number;
  const period = params.get('statsPeriod');
  if (period !== null) {
    const ms = duration(period);
    if (ms === undefined) return `invalid statsPeriod ${period}`;
    end = now.getTime();
    start = end - ms;
  } else {
    const from = Date.parse(params.get('start') ?? '');
    const to = Date.parse(params.get('end') ?? '');
    if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
      return 'give statsPeriod, or start and end (ISO 8601, start before end)';
    }
    start = from;
    end = to;
  }
  // Buckets are whole intervals (UTC): the range widens to interval boundaries.
  start = Math.floor(start / intervalMs) * intervalMs;
  end = Math.ceil(end / intervalMs) * intervalMs;
  return {
    field,
    groupBy: groupBy as GroupBy[],
    categories: params.getAll('category'),
    outcomes: params.getAll('outcome'),
    start: new Date(start),
    end: new Date(end),
    intervalMs,
  };
}

function statsAnswer(all: readonly Outcome[], q: StatsQuery, projectId: string): unknown {
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const intervals: string[] = [];
  for (let t = q.start.getTime(); t < q.end.getTime(); t += q.intervalMs) intervals.push(iso(t));
  const groups = new Map<string, { by: Record<string, string | number>; series: number[] }>();
  for (const o of all) {
    const t = o.at.getTime();
    if (t < q.start.getTime() || t >= q.end.getTime()) continue;
    if (q.categories.length > 0 && !q.categories.includes(o.category)) continue;
    if (q.outcomes.length > 0 && !q.outcomes.includes(o.outcome)) continue;
    const by: Record<string, string | number> = Object.fromEntries(
      q.groupBy.map((g) => [g, g === 'project' ? Number(o.projectId) || projectId : o[g]]),
    );
    const key = JSON.stringify(by);
    let group = groups.get(key);
    if (!group) {
      group = { by, series: intervals.map(() => 0) };
      groups.set(key, group);
    }
    const index = Math.floor((t - q.start.getTime()) / q.intervalMs);
    group.series[index] = (group.series[index] ?? 0) + 1;
  }
  return {
    start: iso(q.start.getTime()),
    end: iso(q.end.getTime()),
    intervals,
    groups: [...groups.values()].map((g) => ({
      by: g.by,
      totals: { [q.field]: g.series.reduce((a, b) => a + b, 0) },
      series: { [q.field]: g.series },
    })),
  };
}

/** Item types of an envelope refused before parsing (the rate-limit knob); none if unreadable. */
function itemTypes(body: Buffer, gzipped: boolean): string[] {
  try {
    return parseEnvelope(gzipped ? gunzipSync(body) : body).items.map((i) => i.type);
  } catch {
    return [];
  }
}

function decodePayload(payload: Buffer): unknown {
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch {
    return payload;
  }
}

/** The public key, from the query, a Sentry auth header, or the envelope's `dsn`. */
function keyOf(c: Context, header: Record<string, unknown>): string | undefined {
  const fromQuery = c.req.query('sentry_key');
  if (fromQuery) return fromQuery;
  for (const name of ['x-sentry-auth', 'authorization']) {
    const auth = c.req.header(name);
    const fromHeader = auth ? /^Sentry\s.*?sentry_key=([^,\s]+)/i.exec(auth)?.[1] : undefined;
    if (fromHeader) return fromHeader;
  }
  if (typeof header.dsn === 'string') {
    try {
      return new URL(header.dsn).username || undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
