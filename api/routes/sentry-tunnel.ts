import type { DsnComponents } from '@sentry/core';
import { Hono } from 'hono';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';

export const TUNNEL_PATH = '/monitoring/tunnel';
export const BROWSER_BUNDLE_PATH = '/assets/sentry-browser.js';

export interface SentryTunnelDeps {
  config: Config;
  /** Upstream fetch (tests may point it elsewhere); defaults to the global fetch. */
  fetch?: typeof fetch;
  forwardTimeoutMs?: number;
}

/** Sentry answers the browser should see (rate limits drive the SDK's back-off). */
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'retry-after', 'x-sentry-rate-limits'];

/**
 * The frontend's Sentry tunnel (docs.sentry.io …/configuration/tunneling; reference/monitoring.md
 * §3): the browser SDK posts envelopes here with the full DSN in the envelope header. The DSN's
 * host and project id must match SENTRY_DSN or SENTRY_BROWSER_DSN — the allow-list that keeps
 * this from being an open proxy (SSRF) — and the envelope is forwarded to the ingest URL derived
 * from that DSN. Also serves the browser bundle at `GET /assets/sentry-browser.js`.
 */
export function sentryTunnelRoutes(deps: SentryTunnelDeps): Hono {
  const app = new Hono();
  const configured = [deps.config.SENTRY_DSN, deps.config.SENTRY_BROWSER_DSN].filter(
    (dsn): dsn is string => dsn !== undefined,
  );
  let bundle: Promise<string> | undefined;

  app.post(TUNNEL_PATH, async (c) => {
    if (configured.length === 0) {
      throw new VigieError(
        'UNAVAILABLE',
        'The Sentry tunnel is not configured on this server: set SENTRY_DSN (or SENTRY_BROWSER_DSN).',
      );
    }
    // Loaded on the first tunnelled envelope, not with the app: @sentry/core is ~25 MB of RSS
    // that every other route (and a server without Sentry) would otherwise carry.
    const { getEnvelopeEndpointWithUrlEncodedAuth, makeDsn } = await import('@sentry/core');
    const allowed = configured
      .map((dsn) => makeDsn(dsn))
      .filter((dsn): dsn is DsnComponents => dsn !== undefined);
    const body = new Uint8Array(await c.req.arrayBuffer());
    const dsn = envelopeDsn(body);
    // A URL with a user (the public key) first: makeDsn would log anything else to stderr.
    const target = URL.canParse(dsn) && new URL(dsn).username ? makeDsn(dsn) : undefined;
    if (target === undefined) {
      throw new VigieError(
        'BAD_REQUEST',
        'Invalid envelope: the header "dsn" is not a Sentry DSN.',
      );
    }
    if (!allowed.some((a) => sameProject(a, target))) {
      throw new VigieError(
        'FORBIDDEN',
        'This tunnel only forwards envelopes for the configured Sentry project.',
      );
    }
    let upstream: Response;
    try {
      upstream = await (deps.fetch ?? fetch)(getEnvelopeEndpointWithUrlEncodedAuth(target), {
        method: 'POST',
        headers: {
          'content-type': 'application/x-sentry-envelope',
          ...(c.req.header('user-agent') ? { 'user-agent': c.req.header('user-agent') } : {}),
        },
        body,
        signal: AbortSignal.timeout(deps.forwardTimeoutMs ?? 10_000),
      });
    } catch {
      throw new VigieError('UNAVAILABLE', 'Sentry could not be reached; the SDK will retry.');
    }
    const headers = new Headers();
    for (const name of FORWARDED_RESPONSE_HEADERS) {
      const value = upstream.headers.get(name);
      if (value) headers.set(name, value);
    }
    return new Response(await upstream.arrayBuffer(), { status: upstream.status, headers });
  });

  app.get(BROWSER_BUNDLE_PATH, async (c) => {
    // esbuild is only needed here; importing it lazily keeps it out of every other request.
    bundle ??= import('../../web/build-sentry-browser.ts')
      .then((m) => m.buildSentryBrowserBundle())
      .catch((error: unknown) => {
        bundle = undefined; // let the next request retry the build
        throw error;
      });
    return c.body(await bundle, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
    });
  });

  return app;
}

/** The `dsn` of the envelope header (its first line), or a 400 saying what is wrong. */
function envelopeDsn(body: Uint8Array): string {
  const newline = body.indexOf(0x0a);
  const line = new TextDecoder().decode(newline === -1 ? body : body.subarray(0, newline));
  let header: unknown;
  try {
    header = JSON.parse(line);
  } catch {
    throw new VigieError('BAD_REQUEST', 'Invalid envelope: the first line is not a JSON header.');
  }
  const dsn =
    typeof header === 'object' && header !== null ? (header as { dsn?: unknown }).dsn : undefined;
  if (typeof dsn !== 'string') {
    throw new VigieError('BAD_REQUEST', 'Invalid envelope: the header has no "dsn".');
  }
  return dsn;
}

function sameProject(a: DsnComponents, b: DsnComponents): boolean {
  return (
    a.protocol === b.protocol &&
    a.host === b.host &&
    (a.port ?? '') === (b.port ?? '') &&
    (a.path ?? '') === (b.path ?? '') &&
    a.projectId === b.projectId
  );
}
