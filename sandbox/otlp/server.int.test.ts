import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type OtlpStandIn, startOtlpStandIn } from './server.ts';

// Driven by the official OpenTelemetry JS SDK and its OTLP/HTTP JSON exporter.
let otlp: OtlpStandIn;
beforeAll(async () => {
  otlp = await startOtlpStandIn();
});
afterAll(() => otlp.close());
beforeEach(() => otlp.reset());

function provider(temporality = AggregationTemporality.CUMULATIVE) {
  const exporter = new OTLPMetricExporter({
    url: `${otlp.url}/v1/metrics`,
    temporalityPreference: temporality,
  });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  const meterProvider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': 'api',
      'service.namespace': 'vigie',
      'service.instance.id': 'i-1',
      'deployment.environment.name': 'staging',
    }),
    readers: [reader],
  });
  return { meter: meterProvider.getMeter('test'), meterProvider };
}

describe('OTLP stand-in /metrics', () => {
  it('exposes what the SDK sent under the names Grafana Cloud stores', async () => {
    const { meter, meterProvider } = provider();
    meter
      .createCounter('vigie.invocations', { unit: '{invocation}' })
      .add(3, { 'vigie.handler': 'x' });
    meter.createGauge('vigie_n8n_failure_rate', { unit: '1' }).record(0.25, { workflow_id: 'all' });
    const h = meter.createHistogram('http.server.request.duration', {
      unit: 's',
      advice: { explicitBucketBoundaries: [0.1, 1] },
    });
    h.record(0.05, { 'http.route': '/healthz' });
    h.record(0.5, { 'http.route': '/healthz' });
    await meterProvider.forceFlush();
    const text = otlp.exposition();
    expect(text).toContain('# TYPE vigie_invocations_total counter');
    expect(text).toContain(
      'vigie_invocations_total{vigie_handler="x",job="vigie/api",instance="i-1"} 3',
    );
    expect(text).toContain(
      'vigie_n8n_failure_rate_ratio{workflow_id="all",job="vigie/api",instance="i-1"} 0.25',
    );
    expect(text).toContain(
      'http_server_request_duration_seconds_bucket{http_route="/healthz",job="vigie/api",instance="i-1",le="0.1"} 1',
    );
    expect(text).toContain(
      'http_server_request_duration_seconds_bucket{http_route="/healthz",job="vigie/api",instance="i-1",le="+Inf"} 2',
    );
    expect(text).toContain(
      'http_server_request_duration_seconds_count{http_route="/healthz",job="vigie/api",instance="i-1"} 2',
    );
    expect(text).toContain(
      'target_info{job="vigie/api",instance="i-1",deployment_environment_name="staging"} 1',
    );
    const served = await fetch(`${otlp.url}/metrics`);
    expect(served.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await served.text()).toBe(text);
    await meterProvider.shutdown();
  });

  it('adds up delta sums, and escapes label values', async () => {
    const { meter, meterProvider } = provider(AggregationTemporality.DELTA);
    const c = meter.createCounter('jobs', { unit: '{job}' });
    c.add(2, { note: 'a "quoted"\nline' });
    await meterProvider.forceFlush();
    c.add(5, { note: 'a "quoted"\nline' });
    await meterProvider.forceFlush();
    expect(otlp.exposition()).toContain(
      'jobs_total{note="a \\"quoted\\"\\nline",job="vigie/api",instance="i-1"} 7',
    );
    await meterProvider.shutdown();
  });

  it('answers exports with the shared fault switches, 415 for protobuf and 400 for bad JSON', async () => {
    const post = (type: string, body: string) =>
      fetch(`${otlp.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': type }, body });
    otlp.faults.mode = 'server-error';
    expect((await post('application/json', '{}')).status).toBe(503);
    otlp.faults.mode = 'rate-limited';
    const limited = await post('application/json', '{}');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('30');
    otlp.faults.mode = 'none';
    expect((await post('application/x-protobuf', '')).status).toBe(415);
    expect((await post('application/json', '{not json')).status).toBe(400);
    expect((await post('application/json', '{}')).status).toBe(200);
    // /metrics is not subject to the export faults: Prometheus keeps scraping through them.
    otlp.setOutage(true);
    expect((await fetch(`${otlp.url}/metrics`)).status).toBe(200);
  });
});
