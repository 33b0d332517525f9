import { describe, expect, it } from 'vitest';
import {
  jobAndInstance,
  storedLabelName,
  storedMetricName,
  storedSeriesNames,
} from './prometheus-names.ts';

// Examples from the documentation of github.com/prometheus/otlptranslator (README and doc
// comments, as vendored in grafana/grafana, read 2026-11-30) and Grafana Cloud's "OTLP format
// considerations" page; see docs/otlp-prometheus-names.md.
describe('storedMetricName', () => {
  it.each([
    [
      { name: 'http.server.request.duration', unit: 's', type: 'histogram' },
      'http_server_request_duration_seconds',
    ],
    [{ name: 'requests.count', unit: '1', type: 'monotonic-counter' }, 'requests_count_total'],
    [{ name: 'memory.usage', unit: 'By', type: 'gauge' }, 'memory_usage_bytes'],
    [{ name: 'cpu.utilization', unit: '1', type: 'gauge' }, 'cpu_utilization_ratio'],
    [
      { name: 'http.server.duration', unit: 's', type: 'histogram' },
      'http_server_duration_seconds',
    ],
    [{ name: 'requests.duration', unit: '', type: 'gauge' }, 'requests_duration'],
  ] as const)('%j → %s', (metric, stored) => {
    expect(storedMetricName(metric)).toBe(stored);
  });

  it('adds the unit once, the per-unit singular, and keeps annotations out', () => {
    expect(storedMetricName({ name: 'net.io', unit: 'By/s', type: 'gauge' })).toBe(
      'net_io_bytes_per_second',
    );
    expect(storedMetricName({ name: 'latency_seconds', unit: 's', type: 'gauge' })).toBe(
      'latency_seconds',
    );
    expect(storedMetricName({ name: 'jobs', unit: '{job}', type: 'monotonic-counter' })).toBe(
      'jobs_total',
    );
    expect(storedMetricName({ name: 'jobs', unit: '{job}/s', type: 'gauge' })).toBe(
      'jobs_per_second',
    );
    expect(storedMetricName({ name: 'queue', unit: 'requests/min', type: 'gauge' })).toBe(
      'queue_requests_per_min',
    );
  });

  it('moves an existing total or ratio token to the end and collapses underscores', () => {
    expect(storedMetricName({ name: 'total.hits__x', unit: '', type: 'monotonic-counter' })).toBe(
      'hits_x_total',
    );
    expect(storedMetricName({ name: 'ratio.hit', unit: '1', type: 'gauge' })).toBe('hit_ratio');
    // `_ratio` is for gauges only; a counter with unit 1 gets `_total` alone.
    expect(storedMetricName({ name: 'a.b', unit: '1', type: 'monotonic-counter' })).toBe(
      'a_b_total',
    );
    // An up-down counter is stored as a gauge without `_total`.
    expect(storedMetricName({ name: 'a.b', unit: '', type: 'non-monotonic-counter' })).toBe('a_b');
  });

  it('prefixes a leading digit and rejects names with nothing left', () => {
    expect(storedMetricName({ name: '2xx.count', unit: '', type: 'gauge' })).toBe('_2xx_count');
    expect(() => storedMetricName({ name: '...', unit: '', type: 'gauge' })).toThrow(/no valid/);
  });

  it('names the three series of a histogram', () => {
    expect(
      storedSeriesNames({ name: 'http.server.request.duration', unit: 's', type: 'histogram' }),
    ).toEqual([
      'http_server_request_duration_seconds_bucket',
      'http_server_request_duration_seconds_sum',
      'http_server_request_duration_seconds_count',
    ]);
  });
});

describe('storedLabelName', () => {
  it.each([
    ['http.method', 'http_method'],
    ['123invalid', 'key_123invalid'],
    ['__reserved__', '__reserved__'],
    ['label@with$symbols', 'label_with_symbols'],
    ['http.response.status_code', 'http_response_status_code'],
    ['deployment.environment.name', 'deployment_environment_name'],
    ['a..b__c', 'a_b_c'],
  ])('%s → %s', (attribute, label) => {
    expect(storedLabelName(attribute)).toBe(label);
  });

  it('rejects an empty or all-invalid key', () => {
    expect(() => storedLabelName('')).toThrow(/empty/);
    expect(() => storedLabelName('...')).toThrow(/no valid/);
  });
});

describe('jobAndInstance', () => {
  it('joins namespace and name into job, instance id into instance', () => {
    expect(
      jobAndInstance({
        'service.name': 'api',
        'service.namespace': 'vigie',
        'service.instance.id': 'i-1',
      }),
    ).toEqual({
      job: 'vigie/api',
      instance: 'i-1',
    });
    expect(jobAndInstance({ 'service.name': 'api' })).toEqual({ job: 'api' });
  });
});
