/**
 * Sentry stand-in: the envelope ingest endpoint, `POST /api/<project_id>/envelope/`.
 *
 * Follows Sentry's envelope spec (getsentry/sentry-docs `develop-docs/sdk/data-model/envelopes.mdx`)
 * and what the JS SDK's Node transport sends (getsentry/sentry-javascript
 * `packages/node-core/src/transports/http.ts`), summarised in reference/monitoring.md §3:
 * auth by `sentry_key` query, `X-Sentry-Auth` header or the envelope header's `dsn`; optional
 * gzip; a JSON header line, then items (item header line, payload of exactly `length` bytes or
 * up to the next newline); unknown item types skipped; 200 with `{}`.
 *
 * Test and drill infrastructure: events are kept in memory and queryable; fault knobs give an
 * outage (503) or rate limiting (429 with Retry-After and X-Sentry-Rate-Limits).
 */
import { randomBytes } from 'node:crypto';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

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

export interface SentryStandIn {
  url: string;
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
  options: { projectId?: string; publicKey?: string } = {},
): Promise<SentryStandIn> {
  const projectId = options.projectId ?? '1';
  const publicKey = options.publicKey ?? randomBytes(16).toString('hex');
  let envelopes: ReceivedEnvelope[] = [];
  let stored: StoredEvent[] = [];
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
    envelopes.push({ projectId, ...envelope, gzipped, receivedAt: new Date() });
    for (const item of envelope.items) {
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

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
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
      faults = {};
    },
    close: () =>
      new Promise<void>((resolve) => {
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
