import type { Telemetry } from './init.ts';

/**
 * The process's telemetry, kept apart from `init.ts` so code that only asks "is telemetry on?"
 * (the n8n hook, withTelemetry) does not load the OTel SDK and `@sentry/node` (~55 MB RSS)
 * into processes that never turn telemetry on.
 */
let current: Telemetry | undefined;

/** The process's telemetry, if `initTelemetry` ran. */
export function getTelemetry(): Telemetry | undefined {
  return current;
}

/** Set by `initTelemetry` and cleared by its `shutdown()`. */
export function setTelemetry(telemetry: Telemetry | undefined): void {
  current = telemetry;
}
