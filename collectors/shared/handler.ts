import type { CollectorName } from '../../core/catalog/collectors.ts';
import { parseConfig } from '../../core/config.ts';
import { withTelemetry } from '../../telemetry/with-telemetry.ts';
import { collectorRunners, heartbeatSetting } from '../registry.ts';
import type { TickBase } from './tick.ts';

/**
 * The Lambda entry of a collector: config from the environment (all problems named at once),
 * one tick wrapped in telemetry (span, Sentry capture, flush, heartbeat ping or `/fail`).
 * A degraded tick still pings success: it ran and said what it could not read; only a crash
 * pings `/fail`.
 */
export function collectorHandler(
  name: CollectorName,
): (event: unknown, context: unknown) => Promise<TickBase> {
  return async (event, context) => {
    const config = parseConfig(process.env);
    const wrapped = withTelemetry(
      `collector.${name}`,
      async () => collectorRunners[name](config, new Date()),
      {
        heartbeatUrl: config[heartbeatSetting[name]],
      },
    );
    return wrapped(event, context);
  };
}
