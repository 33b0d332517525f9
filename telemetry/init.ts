import { randomUUID } from 'node:crypto';
import { type Meter, type Tracer, context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import * as Sentry from '@sentry/node';
import {
  ATTR_DEPLOYMENT_ENVIRONMENT_NAME,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import {
  ScrubbingSpanExporter,
  sentryBeforeBreadcrumb,
  sentryBeforeSend,
  sentryBeforeSendSpan,
} from './scrub.ts';
import { getTelemetry, setTelemetry } from './current.ts';

export { getTelemetry };

export interface TelemetryOptions {
  serviceName: string;
  /** Errors go to Sentry when set; unset = no Sentry. */
  sentryDsn?: string | undefined;
  /** OTLP HTTP base URL (`…/v1/traces` and `…/v1/metrics` are appended); unset = no export. */
  otlpEndpoint?: string | undefined;
  environment: string;
  release?: string | undefined;
  /** `service.instance.id`; a fresh UUID per `initTelemetry` (per process) when unset. */
  instanceId?: string;
  /** How often metrics are pushed; `flush()` pushes them at once anyway. Default 60 s. */
  metricExportIntervalMs?: number;
}

/** What a request id, exception or metric needs: Sentry fields set on one captured event. */
export interface CaptureContext {
  tags?: Record<string, string | number | boolean>;
  extra?: Record<string, unknown>;
  level?: 'fatal' | 'error' | 'warning' | 'info';
  fingerprint?: string[];
}

export interface Telemetry {
  readonly serviceName: string;
  readonly enabled: { readonly sentry: boolean; readonly otlp: boolean };
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** Reports to Sentry (scrubbed), linked to the active OTel span's trace. Returns the event id. */
  captureException(error: unknown, capture?: CaptureContext): string | undefined;
  /** Reports a message-level event (for errors that are not exceptions here, e.g. n8n's). */
  captureMessage(message: string, capture?: CaptureContext): string | undefined;
  /** Pushes pending spans, metrics and Sentry events; resolves false on timeout, never throws. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes, then unregisters everything so a later `initTelemetry` starts afresh. */
  shutdown(): Promise<void>;
}

/**
 * One telemetry setup per process for the HTTP app, every collector Lambda and the n8n hook:
 * OpenTelemetry owns tracing and metrics (OTLP HTTP/JSON), Sentry (v11) reports errors and,
 * through `openTelemetryIntegration()`, stamps each event with the active OTel span's trace id
 * — the v11-documented way to link Sentry to your own OpenTelemetry (see telemetry/README.md).
 *
 * Idempotent: a second call returns the first setup unchanged. With neither a DSN nor an
 * endpoint, spans still get ids (so request ids and traces line up) but nothing is sent.
 */
export function initTelemetry(options: TelemetryOptions): Telemetry {
  const existing = getTelemetry();
  if (existing) return existing;

  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    // One id per process (a Lambda execution environment, the local app): it becomes the
    // `instance` label of every stored series, so two Lambdas running at once write distinct
    // series instead of overwriting each other's cumulative counts (docs/telemetry-conventions.md).
    [ATTR_SERVICE_INSTANCE_ID]: options.instanceId ?? randomUUID(),
    [ATTR_DEPLOYMENT_ENVIRONMENT_NAME]: options.environment,
    ...(options.release ? { [ATTR_SERVICE_VERSION]: options.release } : {}),
  });
  const endpoint = options.otlpEndpoint?.replace(/\/+$/, '');

  const spanProcessors: SpanProcessor[] = endpoint
    ? [
        new BatchSpanProcessor({
          exporter: new ScrubbingSpanExporter(
            new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }),
          ),
        }),
      ]
    : [];
  const tracerProvider = new TracerProvider({ resource, spanProcessors });
  const meterProvider = new MeterProvider({
    resource,
    readers: endpoint
      ? [
          new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
            exportIntervalMillis: options.metricExportIntervalMs ?? 60_000,
          }),
        ]
      : [],
  });

  const contextManager = new AsyncLocalStorageContextManager();
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);

  const sentry = options.sentryDsn !== undefined;
  if (sentry) {
    // The default integrations listed by hand, minus those below: `Sentry.init` would pull in
    // every framework and AI integration the SDK knows (~0.6 MB in each Lambda bundle, read at
    // each cold start) only to filter them out.
    Sentry.initWithoutDefaultIntegrations({
      dsn: options.sentryDsn,
      environment: options.environment,
      ...(options.release ? { release: options.release } : {}),
      // No tracesSampleRate: Sentry does no tracing of its own; OTel spans go to OTLP.
      integrations: [
        Sentry.eventFiltersIntegration(),
        Sentry.functionToStringIntegration(),
        Sentry.linkedErrorsIntegration(),
        Sentry.dedupeIntegration(),
        Sentry.requestDataIntegration(),
        Sentry.systemErrorIntegration(),
        Sentry.nativeNodeFetchIntegration(),
        Sentry.onUncaughtExceptionIntegration(),
        Sentry.onUnhandledRejectionIntegration(),
        Sentry.contextLinesIntegration(),
        Sentry.awsLambdaWebIntegration(),
        // No culture context: building it costs ~10 ms of Intl set-up at each cold start, and
        // the scrubber keeps only names and versions of contexts, so its locale and time zone
        // never left the process anyway.
        Sentry.nodeContextIntegration({ culture: false }),
        Sentry.childProcessIntegration(),
        Sentry.workerThreadsIntegration(),
        Sentry.processSessionIntegration(),
        Sentry.modulesIntegration(),
        // Not Console or LocalVariables: breadcrumbs and local variables carry whatever the
        // code logged or held. Per-request release-health sessions and request-body capture
        // cost CPU on every request (measured under load, load/capacity-report.md) for data we
        // do not use: no release health here, and bodies are never sent (dataCollection below).
        Sentry.httpIntegration({ sessions: false, maxRequestBodySize: 'none' }),
        Sentry.openTelemetryIntegration(),
      ],
      dataCollection: {
        userInfo: false,
        cookies: false,
        httpHeaders: { request: { allow: ['user-agent', 'content-type'] }, response: false },
        httpBodies: [],
        urlQueryParams: false,
        databaseQueryData: false,
        queues: false,
        stackFrameVariables: false,
        genAI: { inputs: false, outputs: false },
      },
      beforeSend: sentryBeforeSend,
      beforeBreadcrumb: sentryBeforeBreadcrumb,
      // v11 streams spans, so `beforeSendTransaction` would be ignored; Sentry records none
      // here anyway (no tracesSampleRate), this is a second net.
      beforeSendSpan: sentryBeforeSendSpan,
    });
  }

  const tracer = trace.getTracer(options.serviceName);
  const meter = metrics.getMeter(options.serviceName);

  const flush = async (timeoutMs = 2_000): Promise<boolean> => {
    const settle = (p: Promise<unknown>): Promise<boolean> =>
      p.then(
        (result) => result !== false,
        () => false,
      );
    const results = await Promise.all([
      settle(tracerProvider.forceFlush({ timeoutMillis: timeoutMs })),
      settle(withTimeout(meterProvider.forceFlush({ timeoutMillis: timeoutMs }), timeoutMs)),
      sentry ? settle(Sentry.flush(timeoutMs)) : Promise.resolve(true),
    ]);
    return results.every(Boolean);
  };

  const telemetry: Telemetry = {
    serviceName: options.serviceName,
    enabled: { sentry, otlp: endpoint !== undefined },
    tracer,
    meter,
    captureException: (error, capture) =>
      sentry ? Sentry.captureException(error, toSentryContext(capture)) : undefined,
    captureMessage: (message, capture) =>
      sentry
        ? Sentry.captureMessage(message, toSentryContext({ level: 'error', ...capture }))
        : undefined,
    flush,
    shutdown: async () => {
      if (getTelemetry() !== telemetry) return;
      setTelemetry(undefined);
      await flush();
      await Promise.allSettled([
        tracerProvider.shutdown(),
        meterProvider.shutdown(),
        sentry ? Sentry.close(2_000) : Promise.resolve(true),
      ]);
      trace.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
    },
  };
  setTelemetry(telemetry);
  return telemetry;
}

function toSentryContext(capture: CaptureContext | undefined): Sentry.CaptureContext | undefined {
  if (!capture) return undefined;
  return {
    ...(capture.tags ? { tags: capture.tags } : {}),
    ...(capture.extra ? { extra: capture.extra } : {}),
    ...(capture.level ? { level: capture.level } : {}),
    ...(capture.fingerprint ? { fingerprint: capture.fingerprint } : {}),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | false> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
