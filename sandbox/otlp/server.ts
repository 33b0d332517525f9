/**
 * OTLP stand-in: an OTLP/HTTP receiver for `POST /v1/traces` and `POST /v1/metrics`, and the
 * same metrics in Prometheus text exposition format at `GET /metrics`, named as Grafana Cloud
 * stores them (core/prometheus-names.ts) so the local Prometheus scrapes what prod would store.
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
 * Metrics kept for `/metrics`: sums (cumulative set, delta accumulated; monotonic ones become
 * `_total` counters), gauges, explicit-bucket histograms (`_bucket`/`_sum`/`_count`) and one
 * `target_info` per resource. Exponential histograms and summaries are kept in `metrics()` only
 * (Vigie emits neither).
 *
 * Served by Hono on the shared `listen` of `http-faults.ts`, with the same fault switches as the
 * other stand-ins (`faults.mode`, `faults.latencyMs`); `/metrics` is not subject to them, as
 * an exporter outage must not look like a Prometheus scrape failure.
 *
 * Test and drill infrastructure: spans and metric points are flattened and kept in memory.
 */
import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import {
  type OtlpMetricType,
  TARGET_INFO,
  TARGET_INFO_EXCLUDED,
  jobAndInstance,
  storedLabelName,
  storedMetricName,
} from '../../core/prometheus-names.ts';
import { defaultFaults, faultMiddleware, type HttpFaults, listen } from '../http-faults.ts';

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
  /** Explicit-bucket histogram: the upper bounds its buckets were exported with. */
  bounds?: number[];
  attributes: Record<string, AttributeValue>;
  resource: Record<string, AttributeValue>;
}

export interface OtlpStandIn {
  url: string;
  /** Fault switches read on every export request (not on `GET /metrics`). */
  faults: HttpFaults;
  spans(): ReceivedSpan[];
  metrics(): ReceivedMetricPoint[];
  /** The Prometheus exposition served at `GET /metrics`. */
  exposition(): string;
  waitForSpan(
    predicate: (span: ReceivedSpan) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedSpan>;
  waitForMetric(
    predicate: (point: ReceivedMetricPoint) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedMetricPoint>;
  /** Answer 503 to every export (shorthand for `faults.mode = 'server-error'`). */
  setOutage(on: boolean): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startOtlpStandIn(options: { port?: number } = {}): Promise<OtlpStandIn> {
  let spans: ReceivedSpan[] = [];
  let points: ReceivedMetricPoint[] = [];
  let series = new SeriesStore();
  const faults = defaultFaults();
  const closing = new AbortController();
  const waiters = new Set<() => void>();

  const app = new Hono();
  app.get('/metrics', (c) =>
    c.body(series.exposition(), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    }),
  );
  const exports = new Hono();
  exports.use('*', faultMiddleware(faults, closing.signal));
  for (const path of ['/v1/traces', '/v1/metrics'] as const) {
    exports.post(path, async (c) => {
      const type = c.req.header('content-type') ?? '';
      if (!type.startsWith('application/json')) {
        return c.json({ code: 3, message: 'this stand-in accepts OTLP/HTTP JSON only' }, 415);
      }
      const body = Buffer.from(await c.req.arrayBuffer());
      let request: Json;
      try {
        const raw = c.req.header('content-encoding') === 'gzip' ? gunzipSync(body) : body;
        request = JSON.parse(raw.toString('utf8')) as Json;
      } catch (error) {
        return c.json({ code: 3, message: `bad request: ${(error as Error).message}` }, 400);
      }
      if (path === '/v1/traces') spans.push(...flattenSpans(request));
      else {
        points.push(...flattenMetrics(request));
        series.ingest(request);
      }
      for (const wake of waiters) wake();
      return c.json({}, 200);
    });
  }
  app.route('/', exports);
  app.notFound((c) =>
    c.json({ code: 5, message: 'not found: POST /v1/traces or /v1/metrics, GET /metrics' }, 404),
  );

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

  const server = await listen(app, options.port, () => closing.abort());
  return {
    url: server.url,
    faults,
    spans: () => [...spans],
    metrics: () => [...points],
    exposition: () => series.exposition(),
    waitForSpan: (predicate, timeoutMs = 10_000) =>
      waitFor(() => spans, predicate, timeoutMs, 'span'),
    waitForMetric: (predicate, timeoutMs = 10_000) =>
      waitFor(() => points, predicate, timeoutMs, 'metric point'),
    setOutage(on) {
      faults.mode = on ? 'server-error' : 'none';
    },
    reset() {
      spans = [];
      points = [];
      series = new SeriesStore();
      Object.assign(faults, defaultFaults());
    },
    close: server.close,
  };
}

// OTLP AggregationTemporality: 1 delta, 2 cumulative.
const DELTA = 1;

interface Family {
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  /** Series key → labels and value(s). */
  series: Map<
    string,
    {
      labels: Record<string, string>;
      value: number;
      buckets?: number[];
      bounds?: number[];
      sum?: number;
      count?: number;
    }
  >;
}

/** The latest state of every series, as Prometheus would scrape it from an exporter. */
class SeriesStore {
  private families = new Map<string, Family>();

  ingest(request: Json): void {
    for (const rm of list(request.resourceMetrics)) {
      const resource = attrs(list((rm.resource as Json | undefined)?.attributes));
      const target = jobAndInstance(resource);
      const targetLabels: Record<string, string> = {};
      if (target.job !== undefined) targetLabels.job = target.job;
      if (target.instance !== undefined) targetLabels.instance = target.instance;
      const info: Record<string, string> = { ...targetLabels };
      for (const [key, value] of Object.entries(resource)) {
        if (!TARGET_INFO_EXCLUDED.includes(key)) info[storedLabelName(key)] = labelValue(value);
      }
      this.set(TARGET_INFO, 'gauge', 'Target metadata', info, 1);
      for (const sm of list(rm.scopeMetrics)) {
        for (const m of list(sm.metrics)) this.ingestMetric(m, targetLabels);
      }
    }
  }

  private ingestMetric(m: Json, target: Record<string, string>): void {
    const name = String(m.name);
    const unit = String(m.unit ?? '');
    const help = String(m.description ?? '');
    const labelsOf = (p: Json): Record<string, string> => {
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(attrs(list(p.attributes)))) {
        out[storedLabelName(key)] = labelValue(value);
      }
      return { ...out, ...target };
    };
    const numberOf = (p: Json): number => Number(p.asDouble ?? p.asInt ?? 0);
    if (m.gauge !== undefined) {
      const stored = storedMetricName({ name, unit, type: 'gauge' });
      for (const p of list((m.gauge as Json).dataPoints))
        this.set(stored, 'gauge', help, labelsOf(p), numberOf(p));
    } else if (m.sum !== undefined) {
      const sum = m.sum as Json;
      const monotonic = sum.isMonotonic === true;
      const type: OtlpMetricType = monotonic ? 'monotonic-counter' : 'non-monotonic-counter';
      const stored = storedMetricName({ name, unit, type });
      const delta = Number(sum.aggregationTemporality) === DELTA;
      for (const p of list(sum.dataPoints)) {
        this.set(stored, monotonic ? 'counter' : 'gauge', help, labelsOf(p), numberOf(p), delta);
      }
    } else if (m.histogram !== undefined) {
      const h = m.histogram as Json;
      const stored = storedMetricName({ name, unit, type: 'histogram' });
      const delta = Number(h.aggregationTemporality) === DELTA;
      for (const p of list(h.dataPoints)) {
        this.setHistogram(stored, help, labelsOf(p), p, delta);
      }
    }
  }

  private family(name: string, type: Family['type'], help: string): Family {
    let family = this.families.get(name);
    if (!family) {
      family = { type, help, series: new Map() };
      this.families.set(name, family);
    }
    return family;
  }

  private set(
    name: string,
    type: Family['type'],
    help: string,
    labels: Record<string, string>,
    value: number,
    delta = false,
  ): void {
    const family = this.family(name, type, help);
    const key = seriesKey(labels);
    const previous = family.series.get(key);
    family.series.set(key, { labels, value: delta && previous ? previous.value + value : value });
  }

  private setHistogram(
    name: string,
    help: string,
    labels: Record<string, string>,
    p: Json,
    delta: boolean,
  ): void {
    const family = this.family(name, 'histogram', help);
    const key = seriesKey(labels);
    const bounds = (Array.isArray(p.explicitBounds) ? p.explicitBounds : []).map(Number);
    const buckets = (Array.isArray(p.bucketCounts) ? p.bucketCounts : []).map(Number);
    const count = Number(p.count ?? 0);
    const sum = Number(p.sum ?? 0);
    const previous = family.series.get(key);
    if (delta && previous?.buckets && sameBounds(previous.bounds ?? [], bounds)) {
      family.series.set(key, {
        labels,
        value: 0,
        bounds,
        buckets: buckets.map((b, i) => b + (previous.buckets?.[i] ?? 0)),
        sum: sum + (previous.sum ?? 0),
        count: count + (previous.count ?? 0),
      });
      return;
    }
    family.series.set(key, { labels, value: 0, bounds, buckets, sum, count });
  }

  exposition(): string {
    const lines: string[] = [];
    for (const [name, family] of [...this.families].sort(([a], [b]) => a.localeCompare(b))) {
      if (family.help)
        lines.push(`# HELP ${name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
      lines.push(`# TYPE ${name} ${family.type}`);
      for (const s of family.series.values()) {
        if (family.type !== 'histogram') {
          lines.push(`${name}${labelText(s.labels)} ${numberText(s.value)}`);
          continue;
        }
        let cumulative = 0;
        const bounds = s.bounds ?? [];
        for (let i = 0; i < bounds.length; i += 1) {
          cumulative += s.buckets?.[i] ?? 0;
          lines.push(
            `${name}_bucket${labelText({ ...s.labels, le: numberText(bounds[i] as number) })} ${cumulative}`,
          );
        }
        lines.push(
          `${name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${numberText(s.count ?? 0)}`,
        );
        lines.push(`${name}_sum${labelText(s.labels)} ${numberText(s.sum ?? 0)}`);
        lines.push(`${name}_count${labelText(s.labels)} ${numberText(s.count ?? 0)}`);
      }
    }
    return lines.length > 0 ? `${lines.join('\n')}\n` : '';
  }
}

function sameBounds(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

function labelValue(value: AttributeValue): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

/** `{a="x",b="y"}` with the text format's escapes (backslash, quote, newline); empty values dropped. */
function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels)
    .filter(([, v]) => v !== '')
    .map(
      ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    );
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

function numberText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
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
            ...(kind === 'histogram' ? { bounds: list(p.explicitBounds).map(Number) } : {}),
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
