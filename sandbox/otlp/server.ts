/**
 * OTLP stand-in: an OTLP/HTTP receiver for `POST /v1/traces` and `POST /v1/metrics`.
 *
 * Follows the OTLP specification, "OTLP/HTTP" (open-telemetry/opentelemetry-proto
 * `docs/specification.md`): JSON-encoded `ExportTraceServiceRequest` /
 * `ExportMetricsServiceRequest` (`Content-Type: application/json`, trace and span ids as hex
 * strings), optional gzip, 200 with an empty `partialSuccess`-free response.
 *
 * JSON only, by decision: Vigie uses the JSON exporters (`@opentelemetry/exporter-*-otlp-http`),
 * so a protobuf decoder would only serve clients we do not run. A protobuf request gets 415,
 * which the spec allows for an unsupported content type — a misconfigured exporter shows up.
 *
 * Test and drill infrastructure: spans and metric points are flattened and kept in memory.
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type AttributeValue = string | number | boolean | null | AttributeValue[] | undefined;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Record<string, AttributeValue>;
  events: { name: string; attributes: Record<string, AttributeValue> }[];
  status: { code: number; message?: string };
  resource: Record<string, AttributeValue>;
  scope: string;
}

export interface ReceivedMetricPoint {
  name: string;
  unit: string;
  kind: 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram' | 'summary';
  /** Sum/gauge value; histogram count. */
  value: number;
  /** Histogram sum. */
  sum?: number;
  attributes: Record<string, AttributeValue>;
  resource: Record<string, AttributeValue>;
}

export interface OtlpStandIn {
  url: string;
  spans(): ReceivedSpan[];
  metrics(): ReceivedMetricPoint[];
  waitForSpan(
    predicate: (span: ReceivedSpan) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedSpan>;
  waitForMetric(
    predicate: (point: ReceivedMetricPoint) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedMetricPoint>;
  /** Answer 503 to every export. */
  setOutage(on: boolean): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startOtlpStandIn(): Promise<OtlpStandIn> {
  let spans: ReceivedSpan[] = [];
  let points: ReceivedMetricPoint[] = [];
  let outage = false;
  const waiters = new Set<() => void>();

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 400, { message: (error as Error).message });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (req.method !== 'POST' || (path !== '/v1/traces' && path !== '/v1/metrics')) {
      send(res, 404, { message: 'not found: POST /v1/traces or /v1/metrics' });
      return;
    }
    const body = await readBody(req);
    if (outage) {
      send(res, 503, { message: 'outage (fault knob)' });
      return;
    }
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/json')) {
      send(res, 415, { message: 'this stand-in accepts OTLP/HTTP JSON only' });
      return;
    }
    const raw = req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
    const request = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    if (path === '/v1/traces') spans.push(...flattenSpans(request));
    else points.push(...flattenMetrics(request));
    for (const wake of waiters) wake();
    send(res, 200, {});
  }

  function waitFor<T>(
    list: () => T[],
    predicate: (x: T) => boolean,
    timeoutMs: number,
    what: string,
  ) {
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const found = list().find(predicate);
        if (found === undefined) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`OTLP stand-in: no matching ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...spans],
    metrics: () => [...points],
    waitForSpan: (predicate, timeoutMs = 10_000) =>
      waitFor(() => spans, predicate, timeoutMs, 'span'),
    waitForMetric: (predicate, timeoutMs = 10_000) =>
      waitFor(() => points, predicate, timeoutMs, 'metric point'),
    setOutage(on) {
      outage = on;
    },
    reset() {
      spans = [];
      points = [];
      outage = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Json = Record<string, unknown>;

function flattenSpans(request: Json): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of list(request.resourceSpans)) {
    const resource = attrs(list((rs.resource as Json | undefined)?.attributes));
    for (const ss of list(rs.scopeSpans)) {
      const scope = String((ss.scope as Json | undefined)?.name ?? '');
      for (const s of list(ss.spans)) {
        const status = (s.status as Json | undefined) ?? {};
        out.push({
          traceId: String(s.traceId),
          spanId: String(s.spanId),
          parentSpanId: s.parentSpanId ? String(s.parentSpanId) : undefined,
          name: String(s.name),
          kind: Number(s.kind ?? 0),
          startTimeUnixNano: String(s.startTimeUnixNano),
          endTimeUnixNano: String(s.endTimeUnixNano),
          attributes: attrs(list(s.attributes)),
          events: list(s.events).map((e) => ({
            name: String(e.name),
            attributes: attrs(list(e.attributes)),
          })),
          status: {
            code: Number(status.code ?? 0),
            ...(status.message ? { message: String(status.message) } : {}),
          },
          resource,
          scope,
        });
      }
    }
  }
  return out;
}

function flattenMetrics(request: Json): ReceivedMetricPoint[] {
  const out: ReceivedMetricPoint[] = [];
  const kinds = ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'] as const;
  for (const rm of list(request.resourceMetrics)) {
    const resource = attrs(list((rm.resource as Json | undefined)?.attributes));
    for (const sm of list(rm.scopeMetrics)) {
      for (const m of list(sm.metrics)) {
        const kind = kinds.find((k) => m[k] !== undefined);
        if (!kind) continue;
        for (const p of list((m[kind] as Json).dataPoints)) {
          const isHistogram = kind === 'histogram' || kind === 'exponentialHistogram';
          out.push({
            name: String(m.name),
            unit: String(m.unit ?? ''),
            kind,
            value: Number(isHistogram || kind === 'summary' ? p.count : (p.asDouble ?? p.asInt)),
            ...(p.sum !== undefined ? { sum: Number(p.sum) } : {}),
            attributes: attrs(list(p.attributes)),
            resource,
          });
        }
      }
    }
  }
  return out;
}

function attrs(kvs: Json[]): Record<string, AttributeValue> {
  return Object.fromEntries(kvs.map((kv) => [String(kv.key), anyValue(kv.value as Json)]));
}

/** OTLP `AnyValue` (JSON mapping; 64-bit ints may arrive as strings). */
function anyValue(v: Json | undefined): AttributeValue {
  if (!v) return undefined;
  if ('stringValue' in v) return String(v.stringValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return list((v.arrayValue as Json).values).map(anyValue);
  return null;
}

function list(v: unknown): Json[] {
  return Array.isArray(v) ? (v as Json[]) : [];
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
