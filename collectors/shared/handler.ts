import type { CollectorName } from '../../core/catalog/collectors.ts';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { initTelemetry } from '../../telemetry/init.ts';
import { withTelemetry } from '../../telemetry/with-telemetry.ts';
import { collectorRunners, heartbeatSetting } from '../registry.ts';
import type { TickBase } from './tick.ts';

/**
 * The Lambda entry of a collector: config from the environment (all problems named at once),
 * telemetry set up once per process, one tick wrapped in `withTelemetry` (span, Sentry
 * capture, flush, heartbeat ping or `/fail`), and the summary's metric points recorded as
 * OTel gauges. A degraded tick still pings success: it ran and said what it could not read;
 * only a crash pings `/fail`.
 */
export function collectorHandler(
  name: CollectorName,
): (event: unknown, context: unknown) => Promise<TickBase> {
  return async (event, context) => {
    const config = parseConfig(process.env);
    const runner = collectorRunners[name];
    if (!runner) {
      throw new VigieError(
        'INTERNAL',
        `Collector ${name} has no runner in collectors/registry.ts.`,
      );
    }
    const telemetry = initTelemetry({
      serviceName: `vigie-collector-${name}`,
      sentryDsn: config.SENTRY_DSN,
      otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      environment: config.VIGIE_STAGE,
    });
    const setting = heartbeatSetting[name];
    const wrapped = withTelemetry(
      `collector.${name}`,
      async () => {
        const summary = await runner(config, new Date());
        for (const point of summary.metrics) {
          telemetry.meter.createGauge(point.name).record(point.value, point.labels);
        }
        return summary;
      },
      { telemetry, heartbeatUrl: setting ? config[setting] : undefined },
    );
    return wrapped(event, context);
  };
}
