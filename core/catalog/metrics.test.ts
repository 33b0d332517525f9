import { describe, expect, it } from 'vitest';
import { instrumentOptions, metricNames, metrics } from './metrics.ts';

describe('metric catalog', () => {
  it('gives each metric its stored name, unique across the catalog', () => {
    const stored = metricNames.flatMap((m) => m.series);
    expect(new Set(stored).size).toBe(stored.length);
    for (const name of stored) expect(name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
  });

  it('stores ratios with _ratio, seconds with _seconds and counters with _total', () => {
    const byEmitted = Object.fromEntries(metricNames.map((m) => [m.emitted, m.stored]));
    expect(byEmitted.vigie_n8n_failure_rate).toBe('vigie_n8n_failure_rate_ratio');
    expect(byEmitted.vigie_deliverability_bounce_rate).toBe(
      'vigie_deliverability_bounce_rate_ratio',
    );
    expect(byEmitted['http.server.request.duration']).toBe('http_server_request_duration_seconds');
    expect(byEmitted['vigie.invocations']).toBe('vigie_invocations_total');
    expect(byEmitted['vigie.n8n.workflow_errors']).toBe('vigie_n8n_workflow_errors_total');
    expect(byEmitted.vigie_cost_projected_usd).toBe('vigie_cost_projected_usd');
  });

  it('declares units in UCUM: 1, a known unit or a {annotation}', () => {
    for (const m of metrics) expect(m.unit).toMatch(/^(1|s|By|\{[A-Za-z_]+\})$/);
  });

  it('gives histograms increasing bucket bounds, handed to the instrument as advice', () => {
    for (const m of metrics) {
      if (!('buckets' in m)) continue;
      expect(m.kind).toBe('histogram');
      const bounds = [...m.buckets];
      expect(bounds.length).toBeGreaterThan(0);
      expect(bounds, m.name).toEqual([...bounds].sort((a, b) => a - b));
      expect(new Set(bounds).size).toBe(bounds.length);
      expect(instrumentOptions(m.name).advice?.explicitBucketBoundaries).toEqual(bounds);
    }
    expect(instrumentOptions('vigie.n8n.execution.duration').advice).toBeDefined();
    expect(instrumentOptions('vigie_n8n_failure_rate').advice).toBeUndefined();
  });

  it('hands instruments the catalog unit and refuses names it does not know', () => {
    expect(instrumentOptions('vigie_n8n_failure_rate').unit).toBe('1');
    expect(() => instrumentOptions('vigie_unknown')).toThrow(/not in core\/catalog/);
  });
});
