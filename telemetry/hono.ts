import { randomUUID } from 'node:crypto';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  context,
  propagation,
  trace,
} from '@opentelemetry/api';
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { isVigieError } from '../core/errors.ts';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_SCHEME,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_FAAS_INVOCATION_ID,
  ATTR_FAAS_TRIGGER,
  FAAS_TRIGGER_VALUE_HTTP,
} from '@opentelemetry/semantic-conventions/incubating';
import { instrumentOptions } from '../core/catalog/metrics.ts';
import { ATTR_ERROR_CODE, ATTR_REQUEST_ID } from './attributes.ts';
import type { Telemetry } from './init.ts';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The propagators' view of a Hono request: one header at a time, by name. */
const HEADER_GETTER: TextMapGetter<Context['req']> = {
  get: (request, key) => request.header(key),
  keys: (request) => Object.keys(request.header()),
};

/**
 * Hono middleware: a SERVER span per request (continuing an inbound `traceparent`), named
 * `METHOD /route/:pattern`, with method, route and status attributes and a duration histogram.
 * A 5xx — an unhandled error mapped by `app.onError` — is captured to Sentry inside the span, so
 * the event carries the same trace id. `x-request-id` is echoed (or made) on every response.
 * Mount it first so the span covers the other middleware.
 */
export function telemetryMiddleware(telemetry: Telemetry): MiddlewareHandler {
  // Unit and buckets from the catalog: the semantic conventions' boundaries, in seconds.
  const duration = telemetry.meter.createHistogram(
    METRIC_HTTP_SERVER_REQUEST_DURATION,
    instrumentOptions(METRIC_HTTP_SERVER_REQUEST_DURATION),
  );
  return async (c, next) => {
    const started = performance.now();
    const method = c.req.method;
    const url = new URL(c.req.url);
    // Read header by header: copying them all into an object costs every request (measured
    // under load) for the three (traceparent, tracestate, baggage) the propagators read.
    const parent = propagation.extract(ROOT_CONTEXT, c.req, HEADER_GETTER);
    const span = telemetry.tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        // No `url.path`: a raw path carries ids, phone numbers or profile slugs; the route
        // template (`http.route`, set below) is what the span keeps.
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_URL_SCHEME]: url.protocol.replace(':', ''),
          // Through API Gateway the request is a Lambda invocation: this span is its FaaS
          // server span (withTelemetry's `trigger: 'http'` makes none of its own).
          ...faasAttributes(c.env),
        },
      },
      parent,
    );
    const spanContext = trace.setSpan(parent, span);

    await context.with(spanContext, async () => {
      try {
        await next();
      } finally {
        const route = routeOf(c);
        const status = c.res.status;
        const requestId = ensureRequestId(c);
        if (route) {
          span.updateName(`${method} ${route}`);
          span.setAttribute(ATTR_HTTP_ROUTE, route);
        }
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
        span.setAttribute(ATTR_REQUEST_ID, requestId);
        const error = c.error;
        if (error !== undefined) {
          span.setAttribute(
            ATTR_ERROR_TYPE,
            error instanceof Error ? error.constructor.name : typeof error,
          );
          if (isVigieError(error)) span.setAttribute(ATTR_ERROR_CODE, error.code);
        }
        if (status >= 500) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${status}` });
          if (error !== undefined) {
            span.recordException(error instanceof Error ? error : String(error));
            telemetry.captureException(error, {
              tags: {
                [ATTR_HTTP_REQUEST_METHOD]: method,
                [ATTR_HTTP_ROUTE]: route ?? 'unmatched',
                [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
                [ATTR_REQUEST_ID]: requestId,
              },
            });
          }
        }
        span.end();
        duration.record((performance.now() - started) / 1000, {
          [ATTR_HTTP_REQUEST_METHOD]: method,
          [ATTR_HTTP_ROUTE]: route ?? 'unmatched',
          [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
        });
      }
    });
  };
}

/**
 * `faas.trigger=http` and the invocation id when the request came through `hono/aws-lambda`'s
 * `handle()`, which puts the invocation's context in `c.env.lambdaContext`; none on a plain
 * HTTP server (local staging), which is no FaaS.
 */
function faasAttributes(env: unknown): Record<string, string> {
  const lambda = (env as { lambdaContext?: { awsRequestId?: unknown } } | undefined)?.lambdaContext;
  if (lambda === undefined || lambda === null) return {};
  return {
    [ATTR_FAAS_TRIGGER]: FAAS_TRIGGER_VALUE_HTTP,
    ...(typeof lambda.awsRequestId === 'string'
      ? { [ATTR_FAAS_INVOCATION_ID]: lambda.awsRequestId }
      : {}),
  };
}

/** The matched route pattern (`/users/:id`), or undefined when only middleware matched. */
function routeOf(c: Parameters<MiddlewareHandler>[0]): string | undefined {
  const routes = matchedRoutes(c);
  const last = routes.at(-1);
  if (!last || last.path === '/*' || last.path === '*') return undefined;
  return last.path;
}

/** Keeps the id another middleware set; else echoes a well-formed inbound one, else makes one. */
function ensureRequestId(c: Parameters<MiddlewareHandler>[0]): string {
  const existing = c.res.headers.get('x-request-id');
  if (existing) return existing;
  const set: unknown = c.get('requestId' as never);
  const inbound = c.req.header('x-request-id');
  const id =
    typeof set === 'string'
      ? set
      : inbound !== undefined && REQUEST_ID.test(inbound)
        ? inbound
        : randomUUID();
  c.res.headers.set('x-request-id', id);
  return id;
}
