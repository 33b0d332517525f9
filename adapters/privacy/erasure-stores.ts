/**
 * One erasure step per store. Each is idempotent: run twice, the second run finds nothing left
 * and reports zero. Each returns what it removed (counts, key names, execution ids), which goes
 * into the receipt; none returns or logs personal data.
 */
import type { Redis } from '@upstash/redis';
import type { N8nClient } from '../n8n/client.ts';
import { type Pool, withTransaction } from '../postgres/pool.ts';
import type {
  N8nErasureResult,
  PostgresErasureResult,
  SuppressionResult,
  UpstashErasureResult,
} from '../../core/privacy/receipt.ts';
import type { ErasureSubject } from '../../core/privacy/subject-seal.ts';
import { prospectKeys, redisKeys } from '../../core/redis-keys.ts';
import { addSuppression } from './suppression.ts';

export interface Target {
  userId: string;
  prospectId: string;
}

/**
 * Postgres. Decisions, per table:
 * - `prospects`: deleted; its `enrichment` (the Claude output) goes with the row;
 * - `campaign_prospects`, `email_events`: deleted (they only describe this person);
 * - `meetings`: kept, because the customer's calendar and meeting counts must stay true, but
 *   unlinked and stripped of attendee data (`prospect_id`, `attendee_email`, `attendee_name`,
 *   `notes` set to null) — without that the FK cascade would delete the slot;
 * - any other table referencing `prospects` follows its FK (cascade), and the verification scan
 *   checks every `prospect_id` column, so a new table that keeps data is caught.
 * Explicit deletes (rather than the cascade alone) give exact counts for the receipt.
 */
export async function erasePostgres(pool: Pool, target: Target): Promise<PostgresErasureResult> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ meetings: number; events: number; memberships: number }>(
      `with m as (
         update public.meetings
            set prospect_id = null, attendee_email = null, attendee_name = null, notes = null
          where prospect_id = $1 and user_id = $2
          returning 1
       ), e as (
         delete from public.email_events where prospect_id = $1 and user_id = $2 returning 1
       ), c as (
         delete from public.campaign_prospects where prospect_id = $1 and user_id = $2 returning 1
       )
       select (select count(*) from m)::int as meetings,
              (select count(*) from e)::int as events,
              (select count(*) from c)::int as memberships`,
      [target.prospectId, target.userId],
    );
    const deleted = await client.query<{ enriched: boolean }>(
      `delete from public.prospects where id = $1 and user_id = $2
       returning (enrichment is not null or enriched_at is not null) as enriched`,
      [target.prospectId, target.userId],
    );
    const counts = rows[0] ?? { meetings: 0, events: 0, memberships: 0 };
    return {
      prospectsDeleted: deleted.rowCount ?? 0,
      campaignMembershipsDeleted: counts.memberships,
      emailEventsDeleted: counts.events,
      meetingsAnonymized: counts.meetings,
      enrichmentDeleted: deleted.rows[0]?.enriched === true,
    };
  });
}

/**
 * Upstash: every key the layout names for the prospect, the email jobs found through its job
 * index and their entries in the email queue, unlinked in one MULTI/EXEC (Upstash
 * `/multi-exec`: all or nothing). Two HTTP calls: one read (pipeline), one transaction.
 * The LinkedIn dedup key is shared by URL, so it is removed only while it points at this
 * prospect.
 */
export async function eraseUpstash(
  redis: Redis,
  target: Target,
  subject: ErasureSubject,
): Promise<UpstashErasureResult> {
  const { direct, jobIndex } = prospectKeys({ id: target.prospectId, linkedinUrl: subject.linkedinUrl });
  const dedupKey = subject.linkedinUrl ? redisKeys.linkedinDedup(subject.linkedinUrl) : undefined;
  const read = redis.pipeline().smembers(jobIndex);
  if (dedupKey !== undefined) read.get(dedupKey);
  const [members, dedupValue] = (await read.exec()) as [unknown[], unknown];
  const emailJobIds = [...new Set((members ?? []).map(String))].sort();
  const keys = [
    ...direct.filter((k) => k !== dedupKey || String(dedupValue) === target.prospectId),
    ...emailJobIds.map(redisKeys.emailJob),
  ];
  const tx = redis.multi();
  for (const key of keys) tx.unlink(key);
  if (emailJobIds.length > 0) {
    const [first, ...rest] = emailJobIds as [string, ...string[]];
    tx.zrem(redisKeys.emailQueue, first, ...rest);
  }
  const results = (await tx.exec()) as unknown[];
  const keysRemoved: string[] = [];
  const keysAbsent: string[] = [];
  keys.forEach((key, i) => (Number(results[i]) > 0 ? keysRemoved : keysAbsent).push(key));
  if (dedupKey !== undefined && !keys.includes(dedupKey)) keysAbsent.push(dedupKey);
  return {
    keysRemoved,
    keysAbsent,
    emailJobIds,
    queueEntriesRemoved: emailJobIds.length > 0 ? Number(results[keys.length] ?? 0) : 0,
  };
}

/** Thrown by a step that made progress before failing: the progress is kept for the retry. */
export class PartialStepError extends Error {
  readonly partial: unknown;
  override readonly cause: unknown;

  constructor(partial: unknown, cause: unknown) {
    super('step failed after partial progress');
    this.name = 'PartialStepError';
    this.partial = partial;
    this.cause = cause;
  }
}

/**
 * n8n: the executions the ledger links to the prospect, deleted one by one through the public
 * API (`DELETE /api/v1/executions/{id}`; 404 = already gone). Ledger rows are removed once
 * every execution is gone. `previous` carries the progress of an earlier, failed attempt.
 */
export async function eraseN8n(
  pool: Pool,
  n8n: N8nClient,
  target: Target,
  previous: Partial<N8nErasureResult> | undefined,
): Promise<N8nErasureResult> {
  const { rows } = await pool.query<{ execution_id: string }>(
    `select distinct execution_id from public.n8n_execution_ledger
      where prospect_id = $1 and user_id = $2 order by execution_id`,
    [target.prospectId, target.userId],
  );
  const deleted = new Set(previous?.executionsDeleted ?? []);
  const gone = new Set(previous?.executionsAlreadyGone ?? []);
  const progress = (): N8nErasureResult => ({
    executionsDeleted: [...deleted].sort(),
    executionsAlreadyGone: [...gone].sort(),
    ledgerEntriesRemoved: previous?.ledgerEntriesRemoved ?? 0,
  });
  for (const { execution_id: id } of rows) {
    if (deleted.has(id) || gone.has(id)) continue;
    try {
      const result = await n8n.deleteExecution(id);
      (result.deleted ? deleted : gone).add(id);
    } catch (error) {
      throw new PartialStepError(progress(), error);
    }
  }
  const removed = await pool.query(
    `delete from public.n8n_execution_ledger where prospect_id = $1 and user_id = $2`,
    [target.prospectId, target.userId],
  );
  const result = progress();
  result.ledgerEntriesRemoved += removed.rowCount ?? 0;
  return result;
}

export async function addErasureSuppression(
  pool: Pool,
  target: Target,
  subject: ErasureSubject,
  options: { hmacKey: string; now: Date },
): Promise<SuppressionResult> {
  const kinds = await addSuppression(
    pool,
    { userId: target.userId, email: subject.email, linkedinUrl: subject.linkedinUrl, reason: 'erasure', now: options.now },
    { hmacKey: options.hmacKey },
  );
  return { kinds };
}
