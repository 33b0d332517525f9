import { VigieError } from '../../core/errors.ts';
import type { Pool, Queryable } from '../postgres/pool.ts';
import { withTransaction } from '../postgres/pool.ts';
import { auditAction } from './audit.ts';

export interface DomainRow {
  id: string;
  user_id: string;
  domain: string;
  created_at: Date;
  verified_at: Date | null;
  sending_paused_at: Date | null;
  spf_status: string;
  dkim_status: string;
  dmarc_status: string;
  mx_status: string;
  tracking_status: string;
  verification_checked_at: Date | null;
}

const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/** Validates a domain name given on the command line (a clear error, never a SQL surprise). */
export function checkDomainName(name: string): string {
  const trimmed = name.trim().toLowerCase().replace(/\.$/, '');
  if (!DOMAIN_NAME.test(trimmed)) {
    throw new VigieError(
      'BAD_REQUEST',
      `"${name.slice(0, 80)}" is not a domain name (e.g. mail.acme.com).`,
    );
  }
  return trimmed;
}

/** The sending domain by name; two customers with the same name need `--id`. */
export async function findDomain(
  db: Queryable,
  name: string,
  forUpdate = false,
): Promise<DomainRow> {
  const domain = checkDomainName(name);
  const { rows } = await db.query<DomainRow>(
    `select id, user_id, domain, created_at, verified_at, sending_paused_at, spf_status, dkim_status,
            dmarc_status, mx_status, tracking_status, verification_checked_at
       from public.sending_domains where lower(domain) = $1 order by created_at
       ${forUpdate ? 'for update' : ''}`,
    [domain],
  );
  if (rows.length === 0) throw new VigieError('NOT_FOUND', `No sending domain "${domain}".`);
  if (rows.length > 1) {
    throw new VigieError(
      'CONFLICT',
      `${rows.length} customers have a sending domain "${domain}": ids ${rows.map((r) => r.id).join(', ')}.`,
    );
  }
  return rows[0]!;
}

/** Pauses (or resumes) a domain's sending. Idempotent: `changed` false when already so. */
export async function setDomainPaused(
  pool: Pool,
  name: string,
  paused: boolean,
  now: Date,
): Promise<{ domain: DomainRow; changed: boolean }> {
  return withTransaction(pool, async (client) => {
    const domain = await findDomain(client, name, true);
    if ((domain.sending_paused_at !== null) === paused) return { domain, changed: false };
    const { rows } = await client.query<{ sending_paused_at: Date | null }>(
      `update public.sending_domains set sending_paused_at = $2 where id = $1
       returning sending_paused_at`,
      [domain.id, paused ? now : null],
    );
    await auditAction(client, {
      action: paused ? 'runbook.domain_pause' : 'runbook.domain_resume',
      userId: domain.user_id,
      subject: `domain:${domain.id}`,
      at: now,
    });
    return { domain: { ...domain, sending_paused_at: rows[0]!.sending_paused_at }, changed: true };
  });
}
