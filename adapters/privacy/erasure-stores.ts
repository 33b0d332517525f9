/**
 * One erasure step per store. Each is idempotent: run twice, the second run finds nothing left
 * and reports zero. Each returns what it removed (counts, key names, execution ids), which goes
 * into the receipt; none returns or logs personal data.
 */
import type { Redis } from '@upstash/redis';
import type { N8nClient } from '../n8n/client.ts';
import type { Pool, Queryable } from '../postgres/pool.ts';
import type {
  N8nErasureResult,
  PostgresErasureResult,
  SuppressionResult,
  UpstashErasureResult,
} from '../../core/privacy/receipt.ts';
import type { ErasureSubject } from '../../core/privacy/subject-seal.ts';
import { prospectKeys, redisKeys } from '../../core/redis-keys.ts';
import { suppressionDigests } from '../../core/privacy/suppression.ts';

export interface Target {
  userId: string;
  prospectId: string;
}

/** The step row a store function records its completion in (same statement as its work). */
export interface StepMark {
  requestId: string;
  now: Date;
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
export async function erasePostgres(
  pool: Queryable,
  target: Target,
  mark: StepMark,
): Promise<PostgresErasureResult> {
  // One statement, so atomic without an explicit transaction, and one round trip. The meetings
  // are unlinked in the same statement: the FK cascade runs at its end and no longer sees them.
  const { rows } = await pool.query<{ result: PostgresErasureResult }>(
    `with m as (
       update public.meetings
          set prospect_id = null, attendee_email = null, attendee_name = null, notes = null
        where prospect_id = $1 and user_id = $2
        returning 1
     ), e as (
       delete from public.email_events where prospect_id = $1 and user_id = $2 returning 1
     ), c as (
       delete from public.campaign_prospects where prospect_id = $1 and user_id = $2 returning 1
     ), p as (
       delete from public.prospects where id = $1 and user_id = $2
       returning (enrichment is not null or enriched_at is not null) as enriched
     ), r as (
       select jsonb_build_object(
                'prospectsDeleted', (select count(*) from p),
                'campaignMembershipsDeleted', (select count(*) from c),
                'emailEventsDeleted', (select count(*) from e),
                'meetingsAnonymized', (select count(*) from m),
                'enrichmentDeleted', coalesce((select bool_or(enriched) from p), false)) as result
     ), s as (
       update public.erasure_steps
          set status = 'completed', attempts = attempts + 1, completed_at = $4, last_error = null,
              result = (select result from r)
        where request_id = $3 and store = 'postgres'
     )
     select result from r`,
    [target.prospectId, target.userId, mark.requestId, mark.now],
  );
  return rows[0]?.result as PostgresErasureResult;
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
  const { direct, jobIndex } = prospectKeys({
    id: target.prospectId,
    linkedinUrl: subject.linkedinUrl,
  });
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
  mark: StepMark,
): Promise<N8nErasureResult> {
  const deleted = new Set(previous?.executionsDeleted ?? []);
  const gone = new Set(previous?.executionsAlreadyGone ?? []);
  const progress = (): N8nErasureResult => ({
    executionsDeleted: [...deleted].sort(),
    executionsAlreadyGone: [...gone].sort(),
    ledgerEntriesRemoved: previous?.ledgerEntriesRemoved ?? 0,
  });
  // Most prospects were never in a workflow run: then this one statement also completes the
  // step (no ledger rows → the update runs), and no row comes back.
  const { rows } = await pool.query<{ execution_id: string }>(
    `with ids as (
       select distinct execution_id from public.n8n_execution_ledger
        where prospect_id = $1 and user_id = $2
     ), done as (
       update public.erasure_steps
          set status = 'completed', attempts = attempts + 1, completed_at = $4,
              last_error = null, result = $5
        where request_id = $3 and store = 'n8n' and not exists (select 1 from ids)
     )
     select execution_id from ids order by execution_id`,
    [target.prospectId, target.userId, mark.requestId, mark.now, JSON.stringify(progress())],
  );
  if (rows.length === 0) return progress();
  for (const { execution_id: id } of rows) {
    if (deleted.has(id) || gone.has(id)) continue;
    try {
      const result = await n8n.deleteExecution(id);
      (result.deleted ? deleted : gone).add(id);
    } catch (error) {
      throw new PartialStepError(progress(), error);
    }
  }
  const done = progress();
  const { rows: marked } = await pool.query<{ result: N8nErasureResult }>(
    `with d as (
       delete from public.n8n_execution_ledger where prospect_id = $1 and user_id = $2 returning 1
     )
     update public.erasure_steps
        set status = 'completed', attempts = attempts + 1, completed_at = $4, last_error = null,
            result = jsonb_set($5::jsonb, '{ledgerEntriesRemoved}',
                               to_jsonb($6::int + (select count(*) from d)::int))
      where request_id = $3 and store = 'n8n'
      returning result`,
    [
      target.prospectId,
      target.userId,
      mark.requestId,
      mark.now,
      JSON.stringify(done),
      done.ledgerEntriesRemoved,
    ],
  );
  return marked[0]?.result ?? done;
}

/**
 * The suppression record for an erased person, for the customer who erased it (the
 * `suppression_list` insert of ./suppression.ts, fused with the step's completion).
 */
export async function addErasureSuppression(
  pool: Queryable,
  target: Target,
  subject: ErasureSubject,
  options: { hmacKey: string; mark: StepMark },
): Promise<SuppressionResult> {
  const digests = suppressionDigests(options.hmacKey, subject);
  const result: SuppressionResult = { kinds: digests.map((d) => d.kind) };
  await pool.query(
    `with ins as (
       insert into public.suppression_list (user_id, kind, digest, reason, created_at)
       select $1::uuid, d.kind, d.digest, 'erasure', $4
         from unnest($2::text[], $3::text[]) as d(kind, digest)
       on conflict on constraint suppression_list_entry_key do nothing
     )
     update public.erasure_steps
        set status = 'completed', attempts = attempts + 1, completed_at = $4, last_error = null,
            result = $6
      where request_id = $5 and store = 'suppression'`,
    [
      target.userId,
      digests.map((d) => d.kind),
      digests.map((d) => d.digest),
      options.mark.now,
      options.mark.requestId,
      JSON.stringify(result),
    ],
  );
  return result;
}
