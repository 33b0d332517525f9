import { gunzipSync } from 'node:zlib';
import type { DsnComponents, Envelope } from '@sentry/core';
import { Hono } from 'hono';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { scrubAttributes, scrubEvent, scrubValue } from '../../core/scrub.ts';

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
    const body = decodeBody(
      new Uint8Array(await c.req.arrayBuffer()),
      c.req.header('content-encoding'),
    );
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
    const scrubbed = scrubEnvelope(parsed);
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

/** Error-like items: `scrubEvent` (the same rules as the SDKs' `beforeSend`). */
const EVENT_ITEMS = new Set(['event', 'transaction', 'feedback']);
/**
 * Dropped, never forwarded: attachments and replays are opaque bytes or DOM snapshots (form
 * fields, page text) that no pattern scrubber can clean; profiles carry nothing we need.
 */
const DROPPED_ITEMS = new Set([
  'attachment',
  'replay_event',
  'replay_recording',
  'replay_video',
  'profile',
  'profile_chunk',
]);

/**
 * The envelope with every item scrubbed: event items through `scrubEvent`, other JSON items
 * (session, client_report, span, log, user_report, check_in…) deep-scrubbed with `scrubValue`,
 * attachments/replays/profiles and any non-JSON payload dropped. A JSON payload is re-serialized
 * and its `length` header, if it had one, recomputed. The DSC in the header (`trace`) is
 * scrubbed too: its `transaction` can be a URL.
 */
export function scrubEnvelope(envelope: Envelope): Envelope {
  const [header, items] = envelope;
  const outHeader: Record<string, unknown> = { ...header };
  if (isRecord(outHeader.trace)) outHeader.trace = scrubAttributes(outHeader.trace);
  if (isRecord(outHeader.user)) outHeader.user = scrubValue(outHeader.user);
  const out: Array<[Record<string, unknown>, string]> = [];
  for (const [itemHeader, payload] of items as unknown as Array<
    [Record<string, unknown>, unknown]
  >) {
    const type = typeof itemHeader.type === 'string' ? itemHeader.type : '';
    if (DROPPED_ITEMS.has(type)) continue;
    const json = payload instanceof Uint8Array ? parseJsonBytes(payload) : payload;
    if (json === undefined) continue; // binary we cannot read is binary we cannot scrub
    const clean = EVENT_ITEMS.has(type) && isRecord(json) ? scrubEvent(json) : scrubValue(json);
    const text = JSON.stringify(clean);
    const outItemHeader = { ...itemHeader };
    if ('length' in outItemHeader) outItemHeader.length = Buffer.byteLength(text);
    out.push([outItemHeader, text]);
  }
  return [outHeader, out] as unknown as Envelope;
}

function parseJsonBytes(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** 20 MB decompressed: Sentry's own envelope limit is in that range; more is an attack. */
const MAX_INFLATED_BYTES = 20 * 1024 * 1024;

/** The envelope bytes, gunzipped when the SDK (or a client) compressed them. */
function decodeBody(body: Uint8Array, encoding: string | undefined): Uint8Array {
  if (encoding === undefined || encoding === 'identity') return body;
  if (encoding !== 'gzip') {
    throw new VigieError(
      'BAD_REQUEST',
      `Unsupported content-encoding ${encoding}: use gzip or none.`,
    );
  }
  try {
    return gunzipSync(body, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch {
    throw new VigieError(
      'BAD_REQUEST',
      'Invalid envelope: the body is not valid gzip (or too large).',
    );
  }
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
