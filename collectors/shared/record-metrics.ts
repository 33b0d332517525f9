import type { Meter } from '@opentelemetry/api';
import { alerts } from '../../core/catalog/alerts.ts';
import { instrumentOptions, metricByName } from '../../core/catalog/metrics.ts';
import type { TickBase } from './tick.ts';

const LAST_SUCCESS = 'vigie.collector.last_success_timestamp';
const ALERTS_RAISED = 'vigie.alerts.raised';

/**
 * Records what a collector run produced as OpenTelemetry instruments declared with the
 * catalog's unit (so the stored name is the catalog's `storedName`): each point as a gauge, or
 * as one observation when the catalog declares a histogram (with its buckets), the run's
 * real-time success stamp, and one count per raised alert (ids only).
 * Shared by the Lambda handler and the local staging scheduler.
 */
export function recordRun(meter: Meter, collector: string, summary: TickBase, now = Date.now()) {
  for (const point of summary.metrics) {
    const options = instrumentOptions(point.name);
    if (metricByName(point.name)?.kind === 'histogram') {
      meter.createHistogram(point.name, options).record(point.value, point.labels);
    } else {
      meter.createGauge(point.name, options).record(point.value, point.labels);
    }
  }
  meter
    .createGauge(LAST_SUCCESS, instrumentOptions(LAST_SUCCESS))
    .record(now / 1000, { 'vigie.collector': collector });
  const raised = meter.createCounter(ALERTS_RAISED, instrumentOptions(ALERTS_RAISED));
  for (const alert of summary.alertsRaised) {
    const severity = alerts.find((a) => a.id === alert.alertId)?.severity ?? 'unknown';
    raised.add(1, { 'vigie.alert_id': alert.alertId, 'vigie.severity': severity });
  }
}
