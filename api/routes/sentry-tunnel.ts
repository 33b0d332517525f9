import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import type { DsnComponents, Envelope } from '@sentry/core';
import { Hono } from 'hono';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { jsonDepthExceeds } from '../../core/json-depth.ts';
import {
  type EnvelopeItemIn,
  scrubEnvelopeHeader,
  scrubEnvelopeItems,
} from '../../core/scrub-event.ts';
import { bodyLimitMiddleware } from '../errors.ts';

export const TUNNEL_PATH = '/monitoring/tunnel';
export const BROWSER_BUNDLE_PATH = '/assets/sentry-browser.js';

export interface SentryTunnelDeps {
  config: Config;
  /** Upstream fetch (tests may point it elsewhere); defaults to the global fetch. */
  fetch?: typeof fetch;
  forwardTimeoutMs?: number;
  /** The browser bundle's text; defaults to the file `npm run build` wrote. */
  browserBundle?: () => Promise<string>;
}

/**
 * Where `npm run build` puts the browser bundle: next to the API Lambda's `index.mjs` in its
 * bundle, and under `.vigie/build/web/` when the app runs from the sources (local staging).
 * Nothing is bundled at request time.
 */
const BUILT_BROWSER_BUNDLE = [
  new URL('./sentry-browser.js', import.meta.url),
  new URL('../../.vigie/build/web/sentry-browser.js', import.meta.url),
];

async function readBuiltBrowserBundle(): Promise<string> {
  for (const file of BUILT_BROWSER_BUNDLE) {
    try {
      return await readFile(file, 'utf8');
    } catch {
      // not this layout; try the next
    }
  }
  throw new VigieError(
    'UNAVAILABLE',
    'The browser bundle has not been built: run `npm run build` (web/sentry-browser.ts).',
  );
}

/** Sentry answers the browser should see (rate limits drive the SDK's back-off). */
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'retry-after', 'x-sentry-rate-limits'];

/**
 * The frontend's Sentry tunnel (docs.sentry.io …/configuration/tunneling;
 * docs/providers/monitoring.md): the browser SDK posts envelopes here with the full DSN in the envelope header. The DSN's
 * host and project id must match SENTRY_DSN or SENTRY_BROWSER_DSN — the allow-list that keeps
 * this from being an open proxy (SSRF) — and the envelope is forwarded to the ingest URL derived
 * from that DSN, scrubbed here (`scrubEnvelope`): the browser's `beforeSend` is not trusted,
 * since any page (or script) can post to this route without our SDK setup. Also serves the
 * browser bundle at `GET /assets/sentry-browser.js`.
 */
export function sentryTunnelRoutes(deps: SentryTunnelDeps): Hono {
  const app = new Hono();
  const configured = [deps.config.SENTRY_DSN, deps.config.SENTRY_BROWSER_DSN].filter(
    (dsn): dsn is string => dsn !== undefined,
  );
  let bundle: Promise<string> | undefined;

  app.post(TUNNEL_PATH, bodyLimitMiddleware(TUNNEL_MAX_BODY_BYTES), async (c) => {
    if (configured.length === 0) {
      throw new VigieError(
        'UNAVAILABLE',
        'The Sentry tunnel is not configured on this server: set SENTRY_DSN (or SENTRY_BROWSER_DSN).',
      );
    }
    // Loaded on the first tunnelled envelope, not with the app: @sentry/core is ~25 MB of RSS
    // that every other route (and a server without Sentry) would otherwise carry.
    const { getEnvelopeEndpointWithUrlEncodedAuth } = await import('@sentry/core');
    const allowed = configured
      .map((dsn) => parseDsn(dsn))
      .filter((dsn): dsn is DsnComponents => dsn !== undefined);
    const body = decodeBody(
      new Uint8Array(await c.req.arrayBuffer()),
      c.req.header('content-encoding'),
    );
    const dsn = envelopeDsn(body);
    // Parsed here, never by makeDsn: it prints an invalid DSN (attacker text) to stderr.
    const target = parseDsn(dsn);
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
    const { parseEnvelope, serializeEnvelope } = await import('@sentry/core');
    let parsed: Envelope;
    try {
      parsed = parseEnvelope(body);
    } catch {
      throw new VigieError(
        'BAD_REQUEST',
        'Invalid envelope: an item header or JSON payload could not be parsed.',
      );
    }
    // Sentry's serializer (and any recursive walk) overflows the stack on deep nesting.
    if (jsonDepthExceeds(parsed, MAX_ENVELOPE_DEPTH)) {
      throw new VigieError(
        'BAD_REQUEST',
        `Invalid envelope: JSON nested deeper than ${MAX_ENVELOPE_DEPTH} levels.`,
        { details: { maxDepth: MAX_ENVELOPE_DEPTH } },
      );
    }
    const scrubbed = scrubEnvelope(parsed, target);
    // Nothing left to forward (only replays or attachments): accepted, as Sentry would.
    if (scrubbed[1].length === 0) return c.json({});
    const forwarded = serializeEnvelope(scrubbed);
    let upstream: Response;
    try {
      upstream = await (deps.fetch ?? fetch)(getEnvelopeEndpointWithUrlEncodedAuth(target), {
        method: 'POST',
        headers: {
          'content-type': 'application/x-sentry-envelope',
          ...(c.req.header('user-agent') ? { 'user-agent': c.req.header('user-agent') } : {}),
        },
        body: typeof forwarded === 'string' ? forwarded : Buffer.from(forwarded),
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
    bundle ??= (deps.browserBundle ?? readBuiltBrowserBundle)().catch((error: unknown) => {
      bundle = undefined; // a later `npm run build` makes the next request succeed
      throw error;
    });
    return c.body(await bundle, 200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
    });
  });

  return app;
}

/**
 * The envelope rebuilt from the allow-list (`core/scrub-event.ts`): the header's known fields
 * with the resolved DSN, event and transaction items through `scrubEvent`, sessions and client
 * reports by field, every other item type dropped, and each item header reduced to `type` and
 * the recomputed `length`. The browser's own `beforeSend` is not trusted: any page or script
 * can post here.
 */
export function scrubEnvelope(envelope: Envelope, dsn: DsnComponents): Envelope {
  const [header, items] = envelope as unknown as [Record<string, unknown>, EnvelopeItemIn[]];
  const json: EnvelopeItemIn[] = items.map(([itemHeader, payload]) => [
    itemHeader,
    payload instanceof Uint8Array ? parseJsonBytes(payload) : payload,
  ]);
  return [
    scrubEnvelopeHeader(header, dsnString(dsn)),
    scrubEnvelopeItems(json),
  ] as unknown as Envelope;
}

function dsnString(d: DsnComponents): string {
  const port = d.port ? `:${d.port}` : '';
  const path = d.path ? `${d.path}/` : '';
  return `${d.protocol}://${d.publicKey}@${d.host}${port}/${path}${d.projectId}`;
}

function parseJsonBytes(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Bounds, from Sentry's own (docs.sentry.io/concepts/data-management/size-limits, read
 * 2026-11-30: events over 200 KB compressed or 1 MB decompressed are rejected). A browser
 * envelope is one event plus small items, so anything larger is refused here with 413 before
 * it costs inflating, parsing or scrubbing (issue #8: a 19 KB gzip body inflated to 19 MB and
 * held the process for minutes).
 */
export const TUNNEL_MAX_BODY_BYTES = 1024 * 1024;
export const TUNNEL_MAX_GZIP_BYTES = 200 * 1024;
export const TUNNEL_MAX_INFLATED_BYTES = 1024 * 1024;
/** Deeper than any SDK sends (it normalises at depth 3 under a dozen fixed levels). */
export const MAX_ENVELOPE_DEPTH = 64;

/** The envelope bytes, gunzipped (up to the limit) when the SDK or a client compressed them. */
function decodeBody(body: Uint8Array, encoding: string | undefined): Uint8Array {
  if (encoding === undefined || encoding === 'identity') return body;
  if (encoding !== 'gzip') {
    throw new VigieError(
      'BAD_REQUEST',
      `Unsupported content-encoding ${encoding}: use gzip or none.`,
    );
  }
  if (body.byteLength > TUNNEL_MAX_GZIP_BYTES) throw tooLarge('compressed', TUNNEL_MAX_GZIP_BYTES);
  try {
    // maxOutputLength stops inflating at the limit instead of after the whole bomb.
    return gunzipSync(body, { maxOutputLength: TUNNEL_MAX_INFLATED_BYTES });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge('decompressed', TUNNEL_MAX_INFLATED_BYTES);
    }
    throw new VigieError('BAD_REQUEST', 'Invalid envelope: the body is not valid gzip.');
  }
}

function tooLarge(what: 'compressed' | 'decompressed', maxBytes: number): VigieError {
  return new VigieError(
    'PAYLOAD_TOO_LARGE',
    `Envelope larger than ${maxBytes} bytes ${what}, the most Sentry accepts for an event: send a smaller one.`,
    { details: { maxBytes } },
  );
}

/**
 * A DSN (`https://<public key>@<host>[:port]/[path/]<project id>`) parsed without
 * `@sentry/core`'s `makeDsn`, which writes whatever it cannot parse to stderr. Undefined when
 * it is not one.
 */
export function parseDsn(dsn: string): DsnComponents | undefined {
  // Control characters and spaces first: the URL parser would silently drop tabs and newlines.
  // eslint-disable-next-line no-control-regex
  if (dsn.length > 512 || /[\u0000-\u0020\u007f]/.test(dsn) || !URL.canParse(dsn)) {
    return undefined;
  }
  const url = new URL(dsn);
  const protocol = url.protocol.slice(0, -1);
  if (protocol !== 'http' && protocol !== 'https') return undefined;
  if (!/^\w{1,64}$/.test(url.username) || url.search !== '' || url.hash !== '') return undefined;
  const segments = url.pathname.split('/').slice(1);
  const projectId = segments.pop() ?? '';
  if (!/^\d{1,20}$/.test(projectId)) return undefined;
  return {
    protocol,
    publicKey: url.username,
    pass: '',
    host: url.hostname,
    port: url.port,
    path: segments.join('/'),
    projectId,
  };
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
