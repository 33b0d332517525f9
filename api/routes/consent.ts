import { Hono } from 'hono';
import { type Keyring, parseKeyring } from '../../core/privacy/keyring.ts';
import * as z from 'zod';
import { readProspect, recordConsent } from '../../adapters/privacy/consent.ts';
import { parseInput, readJson } from '../errors.ts';
import { type AuthVariables, requireUser } from '../middleware/auth.ts';
import type { PrivacyRouteDeps } from './export.ts';

/** A slug, so no free text (and no personal data) ends up in `consent_source`. */
const sourceSchema = z.string().regex(/^[a-z0-9][a-z0-9_.:-]{0,63}$/, {
  message: 'expected a short lowercase slug such as "web_form" or "email_reply"',
});

export const consentBodySchema = z.strictObject({
  action: z.enum(['consent', 'objection', 'art14_notice'], {
    message: 'expected one of consent, objection, art14_notice',
  }),
  source: sourceSchema,
  at: z.iso
    .datetime({
      offset: true,
      message: 'expected an ISO 8601 date-time, e.g. 2026-11-26T10:00:00Z',
    })
    .optional(),
});

const prospectIdSchema = z.uuid({ message: 'expected a UUID' });

export interface ConsentRouteDeps extends PrivacyRouteDeps {
  /** `SUPPRESSION_HMAC_KEYS` (from config when not given). */
  suppressionKey?: Keyring;
}

/**
 * `GET /prospects/{id}` (the prospect to its owner, audited `read`) and
 * `POST /prospects/{id}/consent` (consent, Art. 21 objection, Art. 14 notice; audited
 * `consent_change`). Another tenant's prospect answers 404, never 403.
 */
export function consentRoutes(deps: ConsentRouteDeps): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const now = deps.now ?? (() => new Date());
  const suppressionKey =
    deps.suppressionKey ??
    (deps.config.SUPPRESSION_HMAC_KEYS === undefined
      ? undefined
      : parseKeyring(deps.config.SUPPRESSION_HMAC_KEYS));

  app.get('/prospects/:id', requireUser(deps), async (c) => {
    const prospectId = parseInput(prospectIdSchema, c.req.param('id'), 'prospect id');
    const prospect = await readProspect(deps.pool, {
      userId: c.get('userId'),
      prospectId,
      now: now(),
      ...requestIdOf(c.get('requestId' as never)),
    });
    c.header('Cache-Control', 'no-store');
    return c.json(prospect);
  });

  app.post('/prospects/:id/consent', requireUser(deps), async (c) => {
    const prospectId = parseInput(prospectIdSchema, c.req.param('id'), 'prospect id');
    const body = await readJson(c, consentBodySchema);
    const state = await recordConsent(
      { pool: deps.pool, ...(suppressionKey === undefined ? {} : { suppressionKey }) },
      {
        userId: c.get('userId'),
        prospectId,
        action: body.action,
        source: body.source,
        ...(body.at === undefined ? {} : { at: new Date(body.at) }),
        now: now(),
        ...requestIdOf(c.get('requestId' as never)),
      },
    );
    return c.json(state);
  });
  return app;
}

function requestIdOf(value: unknown): { requestId?: string } {
  return typeof value === 'string' ? { requestId: value } : {};
}
