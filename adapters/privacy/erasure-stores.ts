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
import type { Keyring } from '../../core/privacy/keyring.ts';
import { prospectKeys, redisKeys } from '../../core/redis-keys.ts';
import { personIdentifiers, personRecords } from '../../core/privacy/person.ts';
import { suppressionDigests } from '../../core/privacy/suppression.ts';

export interface Target {
  userId: string;
  /** The prospect the request named. */
  prospectId: string;
  /**
   * Every record of the person the erasure covers: `prospectId` and the customer's other
   * prospects with the same normalised email or LinkedIn URL (docs/privacy-erasure.md).
   */
  prospectIds: readonly string[];
}

/** The step row a store function records its completion in (same statement as its work). */
export interface StepMark {
  requestId: string;
  now: Date;
}

/**
 * Postgres. Decisions, per table:
 * - `prospects`: deleted, every record of the person (the target's records, and any record of
 *   the customer that carries one of the person's normalised identifiers by now); its
 *   `enrichment` (the Claude output) goes with the row;
 * - `campaign_prospects`, `email_events`: deleted (they only describe this person);
 * - `meetings`: kept, because the customer's calendar and meeting counts must stay true, but
 *   unlinked and stripped of attendee data (`prospect_id`, `attendee_email`, `attendee_name`,
 *   `notes` set to null) — without that the FK cascade would delete the slot;
 * - any other table referencing `prospects` follows its FK (cascade), and the verification
 *   checks every `prospect_id` column, so a new table that keeps data is caught.
 * Explicit deletes (rather than the cascade alone) give exact counts for the receipt. The ids of
 * the records deleted are added to the request (`prospect_ids`) and listed in the result.
 */
export async function erasePostgres(
  pool: Queryable,
  target: Target,
  subject: ErasureSubject,
  mark: StepMark,
): Promise<PostgresErasureResult> {
  const who = personIdentifiers(subject);
  // One statement, so atomic (all the person's records or none) without an explicit
  // transaction, and one round trip. The meetings are unlinked in the same statement: the FK
  // cascade runs at its end and no longer sees them.
  const { rows } = await pool.query<{ result: PostgresErasureResult }>(
    `with ids as (${PERSON_RECORDS}), ${personDeletes('true')}, q as (
       update public.erasure_requests
          set prospect_ids = array(select distinct x from unnest(prospect_ids || array(select id from p)) x order by 1)
        where id = $3 and exists (select 1 from p)
     ), s as (
       update public.erasure_steps
          set status = 'completed', attempts = attempts + 1, completed_at = $4, last_error = null,
              result = (select result from res)
        where request_id = $3 and store = 'postgres'
     )
     select result from res`,
    [target.prospectIds, target.userId, mark.requestId, mark.now, who.emails, who.linkedinUrls],
  );
  return rows[0]?.result as PostgresErasureResult;
}

/**
 * The person's records, locked (CTE body): the customer `$2`'s prospects whose id is in `$1` or
 * whose normalised email / LinkedIn URL is one of `$5` / `$6`. Shared by `erasePostgres` and the
 * request path's statement (`acceptErasure`), which number their parameters alike.
 */
export const PERSON_RECORDS = `
  select id from public.prospects
   where user_id = $2
     and (id = any($1::uuid[])
          or public.vigie_normalize_email(email) = any(array(
               select public.vigie_normalize_email(x) from unnest($5::text[]) x))
          or public.vigie_normalize_linkedin_url(linkedin_url) = any(array(
               select public.vigie_normalize_linkedin_url(x) from unnest($6::text[]) x)))
   for update`;

/**
 * The Postgres erasure of the records the CTE `ids` names (customer `$2`), as CTEs: meetings
 * unlinked and stripped (`m`), email events (`e`) and campaign memberships (`c`) deleted, the
 * prospects deleted (`p`), and the step's result (`res`). `guard` is one more SQL condition on
 * every change (the request path's: its request row was inserted).
 */
export function personDeletes(guard: string): string {
  return `m as (
       update public.meetings
          set prospect_id = null, attendee_email = null, attendee_name = null, notes = null
        where prospect_id in (select id from ids) and user_id = $2 and ${guard}
        returning 1
     ), e as (
       delete from public.email_events
        where prospect_id in (select id from ids) and user_id = $2 and ${guard} returning 1
     ), c as (
       delete from public.campaign_prospects
        where prospect_id in (select id from ids) and user_id = $2 and ${guard} returning 1
     ), p as (
       delete from public.prospects
        where id in (select id from ids) and user_id = $2 and ${guard}
       returning id, (enrichment is not null or enriched_at is not null) as enriched
     ), res as (
       select jsonb_build_object(
                'prospectsDeleted', (select count(*) from p),
                'prospectIds', coalesce((select jsonb_agg(id::text order by id) from p), '[]'),
                'campaignMembershipsDeleted', (select count(*) from c),
                'emailEventsDeleted', (select count(*) from e),
                'meetingsAnonymized', (select count(*) from m),
                'enrichmentDeleted', coalesce((select bool_or(enriched) from p), false)) as result
     )`;
}

/** The suppression digests of every identifier of every record of the person, each once. */
export function erasureSuppression(
  subject: ErasureSubject,
  hmacKey: Keyring,
): { digests: Array<{ kind: string; digest: string }>; result: SuppressionResult } {
  const all = personRecords(subject).flatMap((r) => suppressionDigests(hmacKey, r));
  const digests = [...new Map(all.map((d) => [d.digest, d])).values()];
  return { digests, result: { kinds: [...new Set(digests.map((d) => d.kind))] } };
}

/**
 * Upstash: every key the layout names for each of the person's records, the email jobs found
 * through their job indexes and their entries in the email queue, unlinked in one MULTI/EXEC
 * (Upstash `/multi-exec`: all or nothing). Two HTTP calls: one read (pipeline), one transaction.
 * A LinkedIn dedup key is shared by URL, so it is removed only while it points at one of the
 * person's records.
 */
export async function eraseUpstash(
  redis: Redis,
  target: Target,
  subject: ErasureSubject,
): Promise<UpstashErasureResult> {
  const ids = target.prospectIds;
  const dedupKeys = [
    ...new Set(personIdentifiers(subject).linkedinUrls.map(redisKeys.linkedinDedup)),
  ];
  const read = redis.pipeline();
  for (const id of ids) read.smembers(prospectKeys({ id }).jobIndex);
  for (const key of dedupKeys) read.get(key);
  const answers = (await read.exec()) as unknown[];
  const members = answers.slice(0, ids.length).flatMap((m) => (m as unknown[] | null) ?? []);
  const emailJobIds = [...new Set(members.map(String))].sort();
  const owned = new Set(ids);
  const dedupOwned = dedupKeys.filter((_k, i) => owned.has(String(answers[ids.length + i])));
  const keys = [
    ...ids.flatMap((id) => prospectKeys({ id }).direct),
    ...dedupOwned,
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
  for (const key of dedupKeys) if (!dedupOwned.includes(key)) keysAbsent.push(key);
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
        where prospect_id = any($1::uuid[]) and user_id = $2
     ), done as (
       update public.erasure_steps
          set status = 'completed', attempts = attempts + 1, completed_at = $4,
              last_error = null, result = $5
        where request_id = $3 and store = 'n8n' and not exists (select 1 from ids)
     )
     select execution_id from ids order by execution_id`,
    [target.prospectIds, target.userId, mark.requestId, mark.now, JSON.stringify(progress())],
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
       delete from public.n8n_execution_ledger
        where prospect_id = any($1::uuid[]) and user_id = $2 returning 1
     )
     update public.erasure_steps
        set status = 'completed', attempts = attempts + 1, completed_at = $4, last_error = null,
            result = jsonb_set($5::jsonb, '{ledgerEntriesRemoved}',
                               to_jsonb($6::int + (select count(*) from d)::int))
      where request_id = $3 and store = 'n8n'
      returning result`,
    [
      target.prospectIds,
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
 * The suppression records for an erased person, for the customer who erased it: the digests of
 * every identifier of every record of the person (the `suppression_list` insert of
 * ./suppression.ts, fused with the step's completion).
 */
export async function addErasureSuppression(
  pool: Queryable,
  target: Target,
  subject: ErasureSubject,
  options: { hmacKey: Keyring; mark: StepMark },
): Promise<SuppressionResult> {
  const { digests, result } = erasureSuppression(subject, options.hmacKey);
  await pool.query(
    `with ins as (
       insert into public.suppression_list (user_id, kind, digest, reason, created_at, key_id)
       select $1::uuid, d.kind, d.digest, 'erasure', $4, $7
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
      options.hmacKey.current.id,
    ],
  );
  return result;
}
