import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import { raise, resolve } from '../../adapters/alerts/outbox.ts';
import type { Pool } from '../../adapters/postgres/pool.ts';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { commandClock } from '../../core/staging-time.ts';
import { betterStackIncidentPayload, incidentAction } from '../../core/uptime-incident.ts';
import { readJson } from '../errors.ts';

export const BETTERSTACK_HOOK_PATH = '/hooks/betterstack/incidents';

export interface BetterStackHookDeps {
  config: Config;
  pool: Pool;
  now?: () => Date;
}

/**
 * `POST /hooks/betterstack/incidents/<token>`: Better Stack's incident webhook into the alert
 * outbox. Better Stack signs nothing, so the URL it was given carries the secret
 * (`BETTERSTACK_WEBHOOK_SECRET`, compared in constant time; the span keeps the route template,
 * never the token). The payload is validated, then the incident raises or resolves
 * `uptime-monitor-down` / `heartbeat-missed` labelled with ids only (core/uptime-incident.ts).
 */
export function betterStackHookRoutes(deps: BetterStackHookDeps): Hono {
  const app = new Hono();
  // Better Stack dates incidents on its own clock; a local staging sped up for drills runs its
  // stand-in on the staging's clock, so "now" here is that clock too (real time when deployed).
  const now = deps.now ?? commandClock(deps.config).now;

  app.post(`${BETTERSTACK_HOOK_PATH}/:token`, async (c) => {
    const secret = deps.config.BETTERSTACK_WEBHOOK_SECRET;
    if (secret === undefined) {
      throw new VigieError(
        'UNAVAILABLE',
        'The Better Stack hook is not configured on this server: set BETTERSTACK_WEBHOOK_SECRET.',
      );
    }
    if (!sameSecret(c.req.param('token'), secret)) {
      throw new VigieError('UNAUTHENTICATED', 'Unknown Better Stack hook URL.');
    }
    const payload = await readJson(c, betterStackIncidentPayload);
    const action = incidentAction(payload, now());
    if (action.kind === 'ignore') return c.json({ ignored: action.reason });
    if (action.kind === 'raise') {
      const raised = await raise(deps.pool, action);
      return c.json({ alertId: action.alertId, raised: true, occurrences: raised.occurrences });
    }
    const { resolved } = await resolve(deps.pool, action);
    return c.json({ alertId: action.alertId, resolved });
  });
  return app;
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
