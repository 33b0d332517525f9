import type { Attributes } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Breadcrumb, ErrorEvent, StreamedSpanJSON, TransactionEvent } from '@sentry/core';
import { scrubBreadcrumb, scrubEvent } from '../core/scrub-event.ts';
import { scrubAttributes, scrubText } from '../core/scrub.ts';

/**
 * The scrubber wired into both pipes. The rules themselves are pure and live in `core/scrub.ts`
 * (the browser bundle needs them too); this module adapts them to Sentry's hooks and to an
 * OpenTelemetry span exporter. Slack text uses `scrubText` from here.
 */
export {
  FILTERED,
  REDACTED,
  isSensitiveKey,
  scrubAttributes,
  scrubText,
  scrubValue,
} from '../core/scrub.ts';
export { scrubBreadcrumb, scrubEvent } from '../core/scrub-event.ts';

/** Sentry `beforeSend`. */
export function sentryBeforeSend(event: ErrorEvent): ErrorEvent {
  return scrubEvent(event);
}

/** Sentry `beforeSendTransaction`. */
export function sentryBeforeSendTransaction(event: TransactionEvent): TransactionEvent {
  return scrubEvent(event);
}

/** Sentry `beforeSendSpan` (v11 streamed spans): name and attributes scrubbed. */
export function sentryBeforeSendSpan(span: StreamedSpanJSON): StreamedSpanJSON {
  return {
    ...span,
    name: scrubText(span.name),
    attributes: scrubAttributes(span.attributes) as StreamedSpanJSON['attributes'],
  };
}

/** Sentry `beforeBreadcrumb`. */
export function sentryBeforeBreadcrumb(breadcrumb: Breadcrumb): Breadcrumb {
  return scrubBreadcrumb(breadcrumb);
}

/** A copy of `span` whose name, attributes, events and status message are scrubbed. */
export function scrubSpan(span: ReadableSpan): ReadableSpan {
  const attributes = scrubAttributes(span.attributes) as Attributes;
  // `METHOD /route/:template` is built from code (telemetry/hono.ts), not from the request.
  const route = attributes['http.route'];
  const method = attributes['http.request.method'];
  const name =
    route !== undefined && span.name === `${String(method)} ${String(route)}`
      ? span.name
      : scrubText(span.name);
  // Object.create keeps the SDK span's methods (spanContext()) and overrides the data fields.
  return Object.create(span, {
    name: { value: name, enumerable: true },
    attributes: { value: attributes, enumerable: true },
    events: {
      value: span.events.map((event) => ({
        ...event,
        name: scrubText(event.name),
        ...(event.attributes
          ? { attributes: scrubAttributes(event.attributes) as Attributes }
          : {}),
      })),
      enumerable: true,
    },
    status: {
      value:
        span.status.message === undefined
          ? span.status
          : { ...span.status, message: scrubText(span.status.message) },
      enumerable: true,
    },
  }) as ReadableSpan;
}

/**
 * Wraps an exporter so every span is scrubbed on its way out. An exporter wrapper rather than a
 * span processor: recorded events and the status message cannot be rewritten on a live span.
 */
export class ScrubbingSpanExporter implements SpanExporter {
  readonly #inner: SpanExporter;

  constructor(inner: SpanExporter) {
    this.#inner = inner;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.#inner.export(spans.map(scrubSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.#inner.forceFlush?.() ?? Promise.resolve();
  }
}
