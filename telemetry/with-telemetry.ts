import { type Span, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import {
  ATTR_FAAS_INVOCATION_ID,
  ATTR_FAAS_TRIGGER,
  FAAS_TRIGGER_VALUE_TIMER,
} from '@opentelemetry/semantic-conventions/incubating';
import { isVigieError } from '../core/errors.ts';
import {
  ATTR_ERROR_CODE,
  ATTR_HANDLER,
  ATTR_HEARTBEAT_OUTCOME,
  METRIC_INVOCATIONS,
} from './attributes.ts';
import { pingHeartbeat } from './heartbeat.ts';
import { getTelemetry } from './current.ts';
import type { Telemetry } from './init.ts';
import { scrubText } from './scrub.ts';

export interface WithTelemetryOptions {
  /**
   * What invokes the handler. `timer` (default): a scheduled job, which gets a SERVER span per
   * invocation (`faas.trigger=timer`) and a `vigie.invocations` count. `http`: an HTTP app
   * (API Gateway → Hono), whose telemetry middleware already makes the one SERVER span of each
   * request (`faas.trigger=http`) and counts it in `http.server.request.duration`; the wrapper
   * then makes no span and no count of its own, and only captures what escapes and flushes.
   */
  trigger?: 'timer' | 'http';
  /** Better Stack heartbeat URL (config); pinged on success, `/fail` on failure. */
  heartbeatUrl?: string | undefined;
  /** Defaults to the process's `initTelemetry` setup; without one, nothing is reported. */
  telemetry?: Telemetry;
  /** Flush budget in `finally`: Lambda freezes the process as soon as the handler returns. */
  flushTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** The part of a Lambda context we read. */
interface InvocationContext {
  awsRequestId?: string;
}

/**
 * Wraps a Lambda-style handler (docs/architecture.md, principle 3): one span per invocation
 * (none for `trigger: 'http'`, see the option), an exception is captured to Sentry and marks the
 * span ERROR, Sentry and OTel are flushed in `finally`, and the heartbeat is pinged on success
 * or `/fail` on failure. The handler's result or error is passed through unchanged.
 */
export function withTelemetry<E, R, C = unknown>(
  name: string,
  handler: (event: E, invocation: C) => Promise<R>,
  options: WithTelemetryOptions = {},
): (event: E, invocation: C) => Promise<R> {
  return async (event, invocation) => {
    const telemetry = options.telemetry ?? getTelemetry();
    const tracer = telemetry?.tracer ?? trace.getTracer('vigie');
    const invocationId = (invocation as InvocationContext | undefined)?.awsRequestId;
    const timer = (options.trigger ?? 'timer') === 'timer';
    const span: Span | undefined = timer
      ? tracer.startSpan(name, {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR_HANDLER]: name,
            [ATTR_FAAS_TRIGGER]: FAAS_TRIGGER_VALUE_TIMER,
            ...(invocationId ? { [ATTR_FAAS_INVOCATION_ID]: invocationId } : {}),
          },
        })
      : undefined;
    const active = () => (span ? trace.setSpan(context.active(), span) : context.active());
    let outcome: 'success' | 'failure' = 'success';
    try {
      return await context.with(active(), () => handler(event, invocation));
    } catch (error) {
      outcome = 'failure';
      const errorType = error instanceof Error ? error.constructor.name : typeof error;
      span?.setAttribute(ATTR_ERROR_TYPE, errorType);
      if (isVigieError(error)) span?.setAttribute(ATTR_ERROR_CODE, error.code);
      span?.recordException(error instanceof Error ? error : String(error));
      span?.setStatus({
        code: SpanStatusCode.ERROR,
        message: error instanceof Error ? scrubText(error.message) : errorType,
      });
      context.with(active(), () =>
        telemetry?.captureException(error, { tags: { [ATTR_HANDLER]: name } }),
      );
      throw error;
    } finally {
      if (timer) {
        telemetry?.meter
          .createCounter(METRIC_INVOCATIONS, { description: 'Handler invocations by outcome.' })
          .add(1, { [ATTR_HANDLER]: name, outcome });
      }
      if (options.heartbeatUrl) {
        const ping = await pingHeartbeat(options.heartbeatUrl, outcome, {
          timeoutMs: options.heartbeatTimeoutMs ?? 2_000,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
        span?.setAttribute(ATTR_HEARTBEAT_OUTCOME, ping);
      }
      span?.end();
      await telemetry?.flush(options.flushTimeoutMs ?? 2_000);
    }
  };
}
