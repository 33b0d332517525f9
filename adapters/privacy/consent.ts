import { VigieError } from '../../core/errors.ts';
import type { Keyring } from '../../core/privacy/keyring.ts';
import type { SuppressionReason } from '../../core/privacy/suppression.ts';
import { type Pool, type PoolClient, withTransaction } from '../postgres/pool.ts';
import { addSuppression } from './suppression.ts';
import { markSynced } from './suppression-sync.ts';

/**
 * Consent records for a prospect (Art. 7(1) proof), objections (Art. 21) and the Art. 14
 * notice, plus the prospect read route's verb. Every access writes an audit row (ids only);
 * writes to `prospects` are audited again by the database trigger, which also cannot be
 * bypassed by clients that skip this module.
 */

export type ConsentAction = 'consent' | 'objection' | 'art14_notice';

export interface ConsentDeps {
  pool: Pool;
  /** `SUPPRESSION_HMAC_KEYS`; without it objections still stop processing but add no digest. */
  suppressionKey?: Keyring | undefined;
}

export interface ConsentInput {
  userId: string;
  prospectId: string;
  action: ConsentAction;
  /** A slug naming where the record comes from (`web_form`, `email_reply`, …): never free text. */
  source: string;
  /** When it happened (defaults to `now`). */
  at?: Date;
  now: Date;
  requestId?: string;
}

export interface ConsentState {
  id: string;
  status: string;
  consent_given: boolean;
  consent_date: string | null;
  consent_source: string | null;
  lawful_basis: string;
  art14_notice_sent_at: string | null;
  unsubscribed_at: string | null;
  suppressed: boolean;
}

const STATE_COLUMNS = `id, status, consent_given, consent_date, consent_source, lawful_basis,
  art14_notice_sent_at, unsubscribed_at`;

/** Allowed clock skew for `at` in the future. */
export const MAX_FUTURE_MS = 5 * 60 * 1000;
/** No consent record of this product predates it: an earlier `at` is a client bug (0000, 1899…). */
export const EARLIEST_AT = new Date('2000-01-01T00:00:00Z');

/** A 400 (before anything is written) for an `at` outside [2000-01-01, now + 5 min]. */
export function checkConsentDate(at: Date, now: Date): void {
  if (Number.isNaN(at.getTime())) {
    throw new VigieError('BAD_REQUEST', 'Invalid request body: at: not a valid date.');
  }
  if (at.getTime() < EARLIEST_AT.getTime()) {
    throw new VigieError(
      'BAD_REQUEST',
      `Invalid request body: at: must be on or after ${EARLIEST_AT.toISOString()} (got ${at.toISOString()}).`,
    );
  }
  if (at.getTime() > now.getTime() + MAX_FUTURE_MS) {
    throw new VigieError(
      'BAD_REQUEST',
      'Invalid request body: at: must not be in the future (more than 5 minutes ahead of the server clock).',
    );
  }
}

export async function recordConsent(deps: ConsentDeps, input: ConsentInput): Promise<ConsentState> {
  const at = input.at ?? input.now;
  checkConsentDate(at, input.now);
  return withTransaction(deps.pool, async (client) => {
    await setAuditContext(client, input.userId, input.requestId);
    const row = await applyAction(client, input, at);
    if (row === undefined) throw notFound(input.prospectId);
    let suppressed = false;
    if (input.action === 'objection') {
      suppressed = await suppress(client, deps, input.userId, input.prospectId, 'objection', at);
    }
    await client.query(`select public.audit_append($1, 'consent_change', $2, $4, $3)`, [
      input.userId,
      input.prospectId,
      input.requestId ?? null,
      input.now,
    ]);
    return { ...row, suppressed };
  });
}

async function applyAction(
  client: PoolClient,
  input: ConsentInput,
  at: Date,
): Promise<Omit<ConsentState, 'suppressed'> | undefined> {
  const params = [input.prospectId, input.userId, at, input.source];
  let sql: string;
  switch (input.action) {
    case 'consent':
      sql = `update public.prospects
                set consent_given = true, consent_date = $3, consent_source = $4,
                    lawful_basis = 'consent'
              where id = $1 and user_id = $2
          returning ${STATE_COLUMNS}`;
      break;
    case 'objection':
      // Art. 21(3): no more direct marketing. `unsubscribed` stops every campaign step and
      // starts the 30-day retention clock; the consent, if any, is withdrawn.
      sql = `update public.prospects
                set status = 'unsubscribed', unsubscribed_at = coalesce(unsubscribed_at, $3),
                    consent_given = false, consent_source = $4
              where id = $1 and user_id = $2
          returning ${STATE_COLUMNS}`;
      break;
    case 'art14_notice':
      // The first notice is the one that proves the Art. 14(3) deadline was met.
      sql = `update public.prospects
                set art14_notice_sent_at = coalesce(art14_notice_sent_at, $3)
              where id = $1 and user_id = $2 and $4::text is not null
          returning ${STATE_COLUMNS}`;
      break;
  }
  const { rows } = await client.query<Omit<ConsentState, 'suppressed'>>(sql, params);
  const row = rows[0];
  if (row !== undefined && input.action === 'objection') {
    await client.query(
      `update public.campaign_prospects set status = 'unsubscribed'
        where prospect_id = $1 and status in ('pending', 'active', 'paused')`,
      [input.prospectId],
    );
  }
  return row === undefined ? undefined : serialize(row);
}

/** `GET /prospects/{id}`: the prospect to its owner, with a `read` audit row. */
export async function readProspect(
  pool: Pool,
  input: { userId: string; prospectId: string; now: Date; requestId?: string },
): Promise<Record<string, unknown>> {
  const { rows } = await pool.query<{ j: Record<string, unknown> }>(
    `with p as (
       select * from public.prospects where id = $1 and user_id = $2
     ), audit as (
       select public.audit_append($2, 'read', $1, $4, $3) from p
     )
     -- A SELECT in WITH runs only when referenced.
     select to_jsonb(p) - 'user_id' as j, (select count(*) from audit) as audited from p`,
    [input.prospectId, input.userId, input.requestId ?? null, input.now],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(input.prospectId);
  return row.j;
}

export interface EmailEventInput {
  userId: string;
  prospectId: string;
  campaignId?: string | null;
  sendingDomainId?: string | null;
  type: 'sent' | 'delivered' | 'bounce' | 'complaint' | 'unsubscribe';
  step?: number | null;
  occurredAt: Date;
  messageId?: string | null;
}

/**
 * Records an email event. An `unsubscribe` or a `complaint` (a spam complaint is an Art. 21
 * objection) marks the prospect by database trigger (migrations 20261126045200, …045210) and
 * adds the suppression record here, in the same transaction: the HMAC key stays out of the
 * database. Events the app inserts directly get theirs from the sweep in suppression-sync.ts.
 */
export async function ingestEmailEvent(
  deps: ConsentDeps,
  event: EmailEventInput,
): Promise<{ id: string; suppressed: boolean }> {
  return withTransaction(deps.pool, async (client) => {
    await setAuditContext(client, 'email-events', undefined);
    const { rows } = await client.query<{ id: string }>(
      `insert into public.email_events
         (user_id, prospect_id, campaign_id, sending_domain_id, type, step, occurred_at, message_id)
       select p.user_id, p.id, $3, $4, $5, $6, $7, $8
         from public.prospects p where p.id = $2 and p.user_id = $1
       returning id::text`,
      [
        event.userId,
        event.prospectId,
        event.campaignId ?? null,
        event.sendingDomainId ?? null,
        event.type,
        event.step ?? null,
        event.occurredAt,
        event.messageId ?? null,
      ],
    );
    const id = rows[0]?.id;
    if (id === undefined) throw notFound(event.prospectId);
    let suppressed = false;
    if (event.type === 'unsubscribe' || event.type === 'complaint') {
      suppressed = await suppress(
        client,
        deps,
        event.userId,
        event.prospectId,
        event.type,
        event.occurredAt,
      );
    }
    return { id, suppressed };
  });
}

async function suppress(
  client: PoolClient,
  deps: ConsentDeps,
  userId: string,
  prospectId: string,
  reason: SuppressionReason,
  at: Date,
): Promise<boolean> {
  if (deps.suppressionKey === undefined) return false;
  const { rows } = await client.query<{ email: string | null; linkedin_url: string | null }>(
    'select email, linkedin_url from public.prospects where id = $1',
    [prospectId],
  );
  const p = rows[0];
  if (p === undefined) return false;
  const kinds = await addSuppression(
    client,
    { userId, email: p.email, linkedinUrl: p.linkedin_url, reason, now: at },
    { hmacKey: deps.suppressionKey },
  );
  // Done here, so the sweep (suppression-sync.ts) does not redo it.
  await markSynced(client, [{ prospectId, reason }], at);
  return kinds.length > 0;
}

/** Who the prospect-write trigger records as actor, and the request id it stamps. */
async function setAuditContext(
  client: PoolClient,
  actor: string,
  requestId: string | undefined,
): Promise<void> {
  await client.query(
    `select set_config('vigie.actor', $1, true), set_config('vigie.request_id', $2, true)`,
    [actor, requestId ?? ''],
  );
}

function notFound(prospectId: string): VigieError {
  return new VigieError('NOT_FOUND', `No prospect ${prospectId} in your account.`);
}

function serialize(row: Omit<ConsentState, 'suppressed'>): Omit<ConsentState, 'suppressed'> {
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : (v as string | null));
  return {
    ...row,
    consent_date: iso(row.consent_date),
    art14_notice_sent_at: iso(row.art14_notice_sent_at),
    unsubscribed_at: iso(row.unsubscribed_at),
  };
}
