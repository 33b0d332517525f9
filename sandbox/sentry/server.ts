/**
 * Sentry stand-in: the envelope ingest endpoint, `POST /api/<project_id>/envelope/`.
 *
 * Follows Sentry's envelope spec (getsentry/sentry-docs `develop-docs/sdk/data-model/envelopes.mdx`)
 * and what the JS SDK's Node transport sends (getsentry/sentry-javascript
 * `packages/node-core/src/transports/http.ts`), summarised in docs/providers/monitoring.md:
 * auth by `sentry_key` query, `X-Sentry-Auth` header or the envelope header's `dsn`; optional
 * gzip; a JSON header line, then items (item header line, payload of exactly `length` bytes or
 * up to the next newline); unknown item types skipped; 200 with `{}`.
 *
 * Test and drill infrastructure: events are kept in memory and queryable; fault knobs give an
 * outage (503) or rate limiting (429 with Retry-After and X-Sentry-Rate-Limits).
 *
 * Also the org stats API the weekly summary reads, `GET /api/0/organizations/{org}/stats_v2/`
 * (docs.sentry.io "Retrieve Event Counts for an Organization (v2)"): Bearer auth token;
 * `field=sum(quantity)|sum(times_seen)`, `groupBy` (outcome, category), `category`, `interval`
 * (`<n>h|d`), `statsPeriod` or `start`+`end`; answers `{start, end, intervals, groups: [{by,
 * totals, series}]}` computed from the envelopes this stand-in received (`accepted`) or refused
 * with the rate-limit knob (`rate_limited`), stamped with the `now` clock. Its own fault knobs
 * (`statsFaults`): 5xx, 429 + Retry-After, malformed JSON, no answer.
 */
import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type HttpFaults, defaultFaults } from '../http-faults.ts';

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

/** One ingestion outcome, as Sentry's stats count them (one error or transaction item). */
export interface Outcome {
  at: Date;
  category: 'error' | 'transaction';
  outcome: 'accepted' | 'rate_limited';
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

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { detail: 'stand-in error' });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const statsPath = /^\/api\/0\/organizations\/([^/]+)\/stats_v2\/?$/.exec(url.pathname);
    if (req.method === 'GET' && statsPath) {
      await handleStats(req, res, url, decodeURIComponent(statsPath[1] ?? ''));
      return;
    }
    const match = /^\/api\/([^/]+)\/envelope\/?$/.exec(url.pathname);
    if (req.method !== 'POST' || !match) {
      counters.rejected++;
      send(res, 404, { detail: 'not found: POST /api/<project_id>/envelope/' });
      return;
    }
    const body = await readBody(req);
    if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.outage) {
      counters.faulted++;
      send(res, 503, { detail: 'outage (fault knob)' });
      return;
    }
    if (faults.rateLimitSeconds !== undefined) {
      counters.faulted++;
      // Sentry counts what it refused: each error/transaction item is a `rate_limited` outcome.
      for (const type of itemTypes(body, req.headers['content-encoding'] === 'gzip')) {
        const category = categoryOf(type);
        if (category) outcomes.push({ at: now(), category, outcome: 'rate_limited', projectId });
      }
      res.setHeader('Retry-After', String(faults.rateLimitSeconds));
      res.setHeader('X-Sentry-Rate-Limits', `${faults.rateLimitSeconds}::organization`);
      send(res, 429, { detail: 'rate limited (fault knob)' });
      return;
    }
    const gzipped = req.headers['content-encoding'] === 'gzip';
    let raw: Buffer;
    try {
      raw = gzipped ? gunzipSync(body) : body;
    } catch {
      counters.rejected++;
      send(res, 400, { detail: 'body is not valid gzip' });
      return;
    }
    let envelope: { header: Record<string, unknown>; items: EnvelopeItem[] };
    try {
      envelope = parseEnvelope(raw);
    } catch (error) {
      counters.rejected++;
      send(res, 400, { detail: `invalid envelope: ${(error as Error).message}` });
      return;
    }
    if (match[1] !== projectId) {
      counters.rejected++;
      send(res, 404, { detail: `unknown project ${match[1]}` });
      return;
    }
    const key = keyOf(url, req, envelope.header);
    if (key !== publicKey) {
      counters.rejected++;
      send(res, 401, { detail: 'missing or unknown sentry_key' });
      return;
    }
    counters.accepted++;
    const receivedAt = now();
    envelopes.push({ projectId, ...envelope, gzipped, receivedAt });
    for (const item of envelope.items) {
      const category = categoryOf(item.type);
      if (category) outcomes.push({ at: receivedAt, category, outcome: 'accepted', projectId });
      if ((item.type === 'event' || item.type === 'transaction') && isRecord(item.payload)) {
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
    send(res, 200, {});
  }

  async function handleStats(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    requestedOrg: string,
  ): Promise<void> {
    if (statsFaults.latencyMs > 0) await new Promise((r) => setTimeout(r, statsFaults.latencyMs));
    switch (statsFaults.mode) {
      case 'server-error':
        send(res, 503, { detail: 'internal error (fault injected)' });
        return;
      case 'rate-limited':
        res.setHeader('Retry-After', String(statsFaults.retryAfterSeconds));
        send(res, 429, { detail: 'rate limited (fault injected)' });
        return;
      case 'malformed':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"intervals": ["2026-');
        return;
      case 'no-answer':
        await new Promise<void>((resolve) =>
          closing.signal.addEventListener('abort', () => resolve()),
        );
        res.destroy();
        return;
      case 'none':
        break;
    }
    if (req.headers.authorization !== `Bearer ${authToken}`) {
      send(res, 401, { detail: 'Invalid token' });
      return;
    }
    if (requestedOrg !== org) {
      send(res, 404, { detail: 'The requested resource does not exist' });
      return;
    }
    const query = statsQuery(url.searchParams, now());
    if (typeof query === 'string') {
      send(res, 400, { detail: query });
      return;
    }
    send(res, 200, statsAnswer(outcomes, query));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

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
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
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

interface StatsQuery {
  field: 'sum(quantity)' | 'sum(times_seen)';
  groupBy: Array<'outcome' | 'category'>;
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
  const unsupported = groupBy.find((g) => g !== 'outcome' && g !== 'category');
  if (unsupported) return `groupBy ${unsupported} is not supported by this stand-in`;
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
    groupBy: groupBy as Array<'outcome' | 'category'>,
    categories: params.getAll('category'),
    outcomes: params.getAll('outcome'),
    start: new Date(start),
    end: new Date(end),
    intervalMs,
  };
}

function statsAnswer(all: readonly Outcome[], q: StatsQuery): unknown {
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const intervals: string[] = [];
  for (let t = q.start.getTime(); t < q.end.getTime(); t += q.intervalMs) intervals.push(iso(t));
  const groups = new Map<string, { by: Record<string, string>; series: number[] }>();
  for (const o of all) {
    const t = o.at.getTime();
    if (t < q.start.getTime() || t >= q.end.getTime()) continue;
    if (q.categories.length > 0 && !q.categories.includes(o.category)) continue;
    if (q.outcomes.length > 0 && !q.outcomes.includes(o.outcome)) continue;
    const by = Object.fromEntries(q.groupBy.map((g) => [g, o[g]]));
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

function categoryOf(itemType: string): Outcome['category'] | undefined {
  return itemType === 'event' ? 'error' : itemType === 'transaction' ? 'transaction' : undefined;
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

function keyOf(
  url: URL,
  req: IncomingMessage,
  header: Record<string, unknown>,
): string | undefined {
  const fromQuery = url.searchParams.get('sentry_key');
  if (fromQuery) return fromQuery;
  const auth = req.headers['x-sentry-auth'];
  const fromHeader = typeof auth === 'string' ? /sentry_key=([^,\s]+)/.exec(auth)?.[1] : undefined;
  if (fromHeader) return fromHeader;
  if (typeof header.dsn === 'string') {
    try {
      return new URL(header.dsn).username || undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_COMPRESSED_BYTES) throw new Error('envelope too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
