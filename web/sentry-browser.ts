import * as Sentry from '@sentry/browser';
import { scrubBreadcrumb, scrubEvent } from '../core/scrub-event.ts';

/** The HTTP app's tunnel route (api/routes/sentry-tunnel.ts): same origin, so ad blockers let it be. */
export const DEFAULT_TUNNEL_PATH = '/monitoring/tunnel';

export interface BrowserSentryOptions {
  dsn: string;
  /** Where envelopes go instead of Sentry's ingest host. Default: our tunnel route. */
  tunnel?: string;
  environment?: string;
  release?: string;
}

/**
 * Sentry for the app's frontend: errors only (no tracing, no replay), sent through our tunnel,
 * scrubbed before they leave the page with the same rules as the server (`core/scrub.ts`).
 */
export function initSentryBrowser(options: BrowserSentryOptions): ReturnType<typeof Sentry.init> {
  return Sentry.init({
    dsn: options.dsn,
    tunnel: options.tunnel ?? DEFAULT_TUNNEL_PATH,
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.release ? { release: options.release } : {}),
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
    },
    beforeSend: (event) => scrubEvent(event),
    beforeBreadcrumb: (breadcrumb) => scrubBreadcrumb(breadcrumb),
  });
}

/** Re-exported so the page can report handled errors through the same client. */
export const captureException = Sentry.captureException;
export const flush = Sentry.flush;

// `<script src="/assets/sentry-browser.js" data-dsn="…">` initialises itself.
if (typeof document !== 'undefined') {
  const script = document.currentScript;
  const dsn = script instanceof HTMLScriptElement ? script.dataset.dsn : undefined;
  if (dsn) {
    initSentryBrowser({
      dsn,
      ...(script instanceof HTMLScriptElement && script.dataset.tunnel
        ? { tunnel: script.dataset.tunnel }
        : {}),
      ...(script instanceof HTMLScriptElement && script.dataset.environment
        ? { environment: script.dataset.environment }
        : {}),
    });
  }
}
