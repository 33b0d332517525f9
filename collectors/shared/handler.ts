import { loadSsmSecrets } from '../../adapters/aws/ssm-secrets.ts';
import type { CollectorName } from '../../core/catalog/collectors.ts';
import { type Config, parseConfig } from '../../core/config.ts';
import { heartbeatSettings } from '../../core/heartbeat-settings.ts';
import { pingHeartbeat } from '../../telemetry/heartbeat.ts';
import { initTelemetry } from '../../telemetry/init.ts';
import { withTelemetry } from '../../telemetry/with-telemetry.ts';
import { recordRun } from './record-metrics.ts';
import type { TickBase } from './tick.ts';
import { type CollectorRunner, invocationOf } from './wiring.ts';

/**
 * The Lambda entry of a collector: config from the environment (all problems named at once),
 * telemetry set up once per process, one tick wrapped in `withTelemetry` (span, Sentry
 * capture, flush, heartbeat ping or `/fail`), and the summary's metric points recorded as
 * OTel gauges. A degraded tick still pings success: it ran and said what it could not read;
 * only a crash pings `/fail`. The runner is passed in (the collector's own `wiring.ts`), not
 * looked up in the registry, so a handler's bundle holds only its own adapters.
 */
export function collectorHandler(
  name: CollectorName,
  runner: CollectorRunner,
): (event: unknown, context: unknown) => Promise<TickBase> {
  let secrets: Promise<unknown> | undefined;
  return async (event, context) => {
    // Deployed: secrets are SSM parameter names (VIGIE_SSM_SECRETS), read once per container;
    // a failed read is retried by the next invocation, not cached.
    secrets ??= loadSsmSecrets(process.env).catch((error: unknown) => {
      secrets = undefined;
      throw error;
    });
    await secrets;
    let config: Config;
    try {
      config = parseConfig(process.env);
    } catch (error) {
      // A bad deployment (say, VIGIE_STAGE missing) must page like a crash: ping `/fail` on
      // the heartbeat URL read as-is, since the parsed config is what is broken.
      const raw = process.env[heartbeatSettings[name]];
      if (raw && URL.canParse(raw)) await pingHeartbeat(raw, 'failure');
      throw error;
    }
    const telemetry = initTelemetry({
      serviceName: `vigie-collector-${name}`,
      sentryDsn: config.SENTRY_DSN,
      otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
      environment: config.VIGIE_STAGE,
    });
    const wrapped = withTelemetry(
      `collector.${name}`,
      async () => {
        const summary = await runner(config, new Date(), invocationOf(context));
        recordRun(telemetry.meter, name, summary);
        return summary;
      },
      { telemetry, heartbeatUrl: config[heartbeatSettings[name]] },
    );
    return wrapped(event, context);
  };
}
