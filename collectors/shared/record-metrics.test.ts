import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { metricByName } from '../../core/catalog/metrics.ts';
import { recordRun } from './record-metrics.ts';
import type { TickBase } from './tick.ts';

/** Collects on demand (the SDK's pull reader shape): what an exporter would be handed. */
class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const summary = (metrics: TickBase['metrics']): TickBase => ({
  collector: 'n8n-failure-rate',
  at: '2026-11-30T10:00:00.000Z',
  status: 'ok',
  unread: [],
  alertsRaised: [],
  metrics,
});

describe('recordRun', () => {
  it('records gauges as gauges and a catalog histogram as observations with its buckets', async () => {
    const reader = new CollectingReader();
    const provider = new MeterProvider({ readers: [reader] });
    const labels = { workflow_id: 'wf-1', status: 'success' };
    recordRun(
      provider.getMeter('test'),
      'n8n-failure-rate',
      summary([
        { name: 'vigie_n8n_failure_rate', value: 0.25, labels: { workflow_id: 'wf-1' } },
        { name: 'vigie.n8n.execution.duration', value: 4, labels },
        { name: 'vigie.n8n.execution.duration', value: 90, labels },
      ]),
    );
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const byName = new Map(all.map((m) => [m.descriptor.name, m]));

    const rate = byName.get('vigie_n8n_failure_rate')!;
    expect(rate.dataPointType).toBe(DataPointType.GAUGE);
    expect(rate.dataPoints[0]?.value).toBe(0.25);

    const duration = byName.get('vigie.n8n.execution.duration')!;
    expect(duration.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(duration.descriptor.unit).toBe('s');
    const point = duration.dataPoints[0]!.value as {
      count: number;
      sum: number;
      buckets: { boundaries: number[] };
    };
    expect(point.count).toBe(2);
    expect(point.sum).toBe(94);
    expect(point.buckets.boundaries).toEqual(metricByName('vigie.n8n.execution.duration')?.buckets);
    await provider.shutdown();
  });
});
