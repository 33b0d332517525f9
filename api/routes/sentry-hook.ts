import { createHmac, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { raise, resolve } from '../../adapters/alerts/outbox.ts';
import type { Pool } from '../../adapters/postgres/pool.ts';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { jsonDepthExceeds } from '../../core/json-depth.ts';
import {
  eventAlertAction,
  metricAlertAction,
  type SentryAlertAction,
  sentryEventAlertPayload,
  sentryMetricAlertPayload,
} from '../../core/sentry-alert-webhook.ts';
import type * as z from 'zod';
import { MAX_JSON_DEPTH, parseInput } from '../errors.ts';

export const SENTRY_HOOK_PATH = '/hooks/sentry';

export interface SentryHookDeps {
  config: Config;
  pool: Pool;
  now?: () => Date;
}

/**
 * `POST /hooks/sentry`: the Sentry internal integration's webhooks into the alert outbox. The
 * body is verified first: `Sentry-Hook-Signature` is the hex HMAC-SHA256 of the raw body with
 * the integration's client secret (`SENTRY_CLIENT_SECRET`), compared in constant time. Then by
 * `Sentry-Hook-Resource`: `event_alert` raises `sentry-new-issue`, `metric_alert` raises or
 * resolves `sentry-error-spike` (ids and counts only, core/sentry-alert-webhook.ts);
 * `installation` and the other resources are acknowledged and ignored.
 */
export function sentryHookRoutes(deps: SentryHookDeps): Hono {
  const app = new Hono();
  const now = deps.now ?? (() => new Date());

  app.post(SENTRY_HOOK_PATH, async (c) => {
    const secret = deps.config.SENTRY_CLIENT_SECRET;
    if (secret === undefined) {
      throw new VigieError(
        'UNAVAILABLE',
        'The Sentry hook is not configured on this server: set SENTRY_CLIENT_SECRET.',
      );
    }
    // Verified over the bytes received: a text read first would turn any invalid byte into
    // U+FFFD and drop a BOM, so other bytes than the signed ones would pass.
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (!validSignature(bytes, c.req.header('Sentry-Hook-Signature'), secret)) {
      throw new VigieError(
        'UNAUTHENTICATED',
        'Missing or wrong Sentry-Hook-Signature: sign the body with the integration client secret.',
      );
    }
    const resource = c.req.header('Sentry-Hook-Resource');
    const body = utf8(bytes);
    let action: SentryAlertAction;
    if (resource === 'event_alert') {
      action = eventAlertAction(parseJsonText(body, sentryEventAlertPayload));
    } else if (resource === 'metric_alert') {
      action = metricAlertAction(parseJsonText(body, sentryMetricAlertPayload));
    } else {
      return c.json({ ignored: `resource ${resource ?? '(none)'}` });
    }
    if (action.kind === 'ignore') return c.json({ ignored: action.reason });
    const at = now();
    // The incident's signed start: a raise is dated by it (never ahead of now), and a
    // resolution carries it, so a replayed `resolved` of an earlier incident, older than the
    // open group, leaves it open (adapters/alerts/outbox.ts).
    const started = action.episodeStartedAt
      ? new Date(Math.min(action.episodeStartedAt.getTime(), at.getTime()))
      : undefined;
    const input = { alertId: action.alertId, labels: action.labels, at };
    if (action.kind === 'raise') {
      const raised = await raise(deps.pool, { ...input, at: started ?? at });
      return c.json({ alertId: action.alertId, raised: true, occurrences: raised.occurrences });
    }
    const { resolved } = await resolve(deps.pool, {
      ...input,
      ...(started ? { episodeStartedAt: started } : {}),
    });
    return c.json({ alertId: action.alertId, resolved });
  });
  return app;
}

/** The verified body as JSON, then the schema: not JSON → 400, a bad shape → 400 naming fields. */
function parseJsonText<S extends z.ZodType>(body: string, schema: S): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new VigieError('BAD_REQUEST', 'Request body is not valid JSON.');
  }
  if (jsonDepthExceeds(raw, MAX_JSON_DEPTH)) {
    throw new VigieError(
      'BAD_REQUEST',
      `Request body is nested deeper than ${MAX_JSON_DEPTH} levels.`,
    );
  }
  return parseInput(schema, raw, 'request body');
}

/** Signs as Sentry does: HMAC-SHA256 over the body's bytes (a string: its UTF-8), hex. */
export function sentrySignature(body: string | Uint8Array, secret: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** The body as text: strict UTF-8, a BOM kept (so JSON.parse refuses it), else 400. */
function utf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new VigieError('BAD_REQUEST', 'Request body is not valid UTF-8 JSON.');
  }
}

function validSignature(body: Uint8Array, given: string | undefined, secret: string): boolean {
  if (given === undefined || !/^[0-9a-f]{64}$/i.test(given)) return false;
  return timingSafeEqual(
    Buffer.from(sentrySignature(body, secret), 'hex'),
    Buffer.from(given.toLowerCase(), 'hex'),
  );
}
