import type { CollectorName } from '../../core/catalog/collectors.ts';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
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
    const runner = collectorRunners[name];
    if (!runner)
      throw new VigieError(
        'INTERNAL',
        `Collector ${name} has no runner in collectors/registry.ts.`,
      );
    const setting = heartbeatSetting[name as keyof typeof heartbeatSetting];
    const wrapped = withTelemetry(`collector.${name}`, async () => runner(config, new Date()), {
      heartbeatUrl: setting ? config[setting] : undefined,
    });
    return wrapped(event, context);
  };
}
