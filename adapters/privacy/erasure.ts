/**
 * The erasure verb (GDPR Art. 17) across Postgres, Upstash and n8n.
 *
 * Durable before attempted: the request and one step per store are committed first (with the
 * prospect's identifiers sealed, see core/privacy/subject-seal.ts), then each due step is
 * attempted; a store that fails leaves its step pending with a backoff and the others go on.
 * Once every store step is done, the verification scan runs; zero hits → the signed receipt is
 * stored, the sealed identifiers are dropped and the request is `completed`. Hits → the steps
 * of the stores that still hold data run again. The retry collector (`collectors/erasure-retry`)
 * calls `advanceErasure` for requests with due steps.
 *
 * A worker holds a lease (`locked_until`) on the request while advancing it, so a DELETE and
 * the retry job never run the same steps concurrently; a crashed worker's lease lapses.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { isVigieError, VigieError } from '../../core/errors.ts';
import {
  DEFAULT_RESIDUAL_SETTINGS,
  ERASURE_LEASE_MS,
  ERASURE_STEPS,
  ERASURE_STORES,
  type ErasureStatus,
  type ErasureStepName,
  type ResidualSettings,
  attemptsExhausted,
  nextAttemptAt,
  planErasure,
  residualWindows,
} from '../../core/privacy/erasure-plan.ts';
import {
  type ErasureReceiptBody,
  type N8nErasureResult,
  type PostgresErasureResult,
  RECEIPT_TYPE,
  type ReceiptSigner,
  type SignedErasureReceipt,
  type SuppressionResult,
  type UpstashErasureResult,
  type VerificationResult,
  signReceipt,
} from '../../core/privacy/receipt.ts';
import { type ErasureSubject, openSubject, sealSubject } from '../../core/privacy/subject-seal.ts';
import type { Keyring } from '../../core/privacy/keyring.ts';
import { N8nApiError, type N8nClient } from '../n8n/client.ts';
import { type Pool, type Queryable, withTransaction } from '../postgres/pool.ts';
import {
  PERSON_RECORDS,
  PartialStepError,
  type StepMark,
  type Target,
  addErasureSuppression,
  eraseN8n,
  erasePostgres,
  eraseUpstash,
  erasureSuppression,
  personDeletes,
} from './erasure-stores.ts';
import { personIdentifiers } from '../../core/privacy/person.ts';
import { summarize, verifyN8n, verifyPostgres, verifyUpstash } from './erasure-verify.ts';
import { scrubText } from '../../core/scrub.ts';

export interface ErasureDeps {
  pool: Pool;
  redis: Redis;
  n8n: N8nClient;
  keys: {
    /** `SUPPRESSION_HMAC_KEYS`: the suppression digests only. */
    suppressionHmacKey: Keyring;
    /** `SUBJECT_SEAL_KEYS`: seals the subject while the erasure is open. */
    subjectSealKeys: Keyring;
    receiptSigner: ReceiptSigner;
  };
  now: Date;
  residual?: ResidualSettings;
  /** Write the `erase` audit row (default true). Off only in the audit-overhead benchmark. */
  audit?: boolean;
  /**
   * At most how many n8n executions one verification searches with `includeData`, newest first,
   * back to the prospect's creation (default 20 on the request path).
   */
  n8nSearchLimit?: number;
  /**
   * When that search could not reach back to the prospect's creation: `defer` (the request
   * path's default) leaves the verification pending for the retry collector, whose larger bound
   * finishes it (the DELETE answers 202); `complete` (the collectors) signs the receipt with the
   * window stated as not fully covered.
   */
  n8nSearchIncomplete?: 'defer' | 'complete';
  /** Called once the request is durably recorded (new or existing), with its id. */
  onRecorded?: (requestId: string) => void;
  /** Test seam: runs after each step is recorded; a throw simulates a crash there. */
  afterStep?: (step: ErasureStepName) => void | Promise<void>;
}

export interface ErasureStepView {
  store: ErasureStepName;
  status: ErasureStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  completedAt: string | null;
}

export interface ErasureRequestView {
  id: string;
  userId: string;
  prospectId: string;
  status: ErasureStatus;
  requestedAt: string;
  dueAt: string;
  completedAt: string | null;
  attempts: number;
  steps: ErasureStepView[];
  receipt: SignedErasureReceipt | null;
}

/**
 * The data search is a safety net behind the ledger, for executions whose report was lost; it
 * reads executions with their data, which is heavy (n8n execution data can be large): one page
 * of 100 on the request path measured p95 7 s at 100 req/s (2 cores), so the request path reads
 * the newest 20 and the retry collector up to 2,000 (8 pages of 250).
 */
export const DEFAULT_N8N_SEARCH_LIMIT = 20;
export const COLLECTOR_N8N_SEARCH_LIMIT = 2_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertUuid(value: string, what: string): void {
  if (!UUID.test(value)) {
    throw new VigieError(
      'BAD_REQUEST',
      `${what} must be a UUID like 123e4567-e89b-12d3-a456-426614174000 (got ${JSON.stringify(value.slice(0, 64))}).`,
    );
  }
}

/**
 * Erases a prospect of `userId` everywhere. Returns the request: `completed` with its receipt,
 * or `pending` when a store was unreachable (the retry collector finishes it). A second call
 * for the same prospect returns the same request. Another user's prospect → NOT_FOUND.
 */
export async function requestErasure(
  deps: ErasureDeps,
  input: { userId: string; prospectId: string },
): Promise<ErasureRequestView> {
  assertUuid(input.userId, 'User id');
  assertUuid(input.prospectId, 'Prospect id');
  const userId = input.userId.toLowerCase();
  const prospectId = input.prospectId.toLowerCase();
  const created = await createRequest(deps, userId, prospectId);
  deps.onRecorded?.(created.kind === 'created' ? created.request.id : created.id);
  if (created.kind === 'created') return advanceClaimed(deps, created.request, created.steps);
  if (created.status !== 'pending') return requireView(deps, created.id);
  return advanceErasure(deps, created.id);
}

/**
 * The request path's part of an erasure (`DELETE /prospects/{id}`, docs/privacy-erasure.md §3):
 * records the request (its Art. 12 clock starts), deletes the person's Postgres records and adds
 * the suppression records — what must not wait — and leaves Upstash, n8n and the verification
 * due for the background (`advanceErasure`, run by the server's background queue and by the
 * erasure-retry collector). Two round trips (the person's records, then one statement for
 * everything else) and no HTTP call. A new request comes back `pending`: its receipt is signed
 * once the background's verification finds nothing. An existing one comes back as it stands.
 */
export async function acceptErasure(
  deps: ErasureDeps,
  input: { userId: string; prospectId: string },
): Promise<ErasureRequestView> {
  assertUuid(input.userId, 'User id');
  assertUuid(input.prospectId, 'Prospect id');
  const created = await createRequest(
    deps,
    input.userId.toLowerCase(),
    input.prospectId.toLowerCase(),
    { eraseNow: true },
  );
  deps.onRecorded?.(created.kind === 'created' ? created.request.id : created.id);
  if (created.kind === 'existing') return requireView(deps, created.id);
  return pendingView(created.request, new Map(created.steps.map((s) => [s.store, s])));
}

/**
 * The request path's write, one statement (so all of it or none, and one commit): the request
 * (no lease: the background claims it next), its steps — Postgres and suppression already
 * completed with their results —, the `erase` audit row, the Postgres erasure of every record of
 * the person (`erasePostgres`'s deletes, shared) and the suppression records. Only when the
 * prospect is still there and no request for it exists (else undefined: the caller answers with
 * the existing request).
 */
async function insertAndErase(
  deps: ErasureDeps,
  input: {
    id: string;
    userId: string;
    prospectId: string;
    plan: ReturnType<typeof planErasure>;
    sealed: string;
    stores: ErasureStepName[];
    prospectIds: string[];
    subject: ErasureSubject;
  },
): Promise<{ request: RequestRow; steps: StepRow[] } | undefined> {
  const who = personIdentifiers(input.subject);
  const suppression = erasureSuppression(input.subject, deps.keys.suppressionHmacKey);
  const now = input.plan.requestedAt;
  // Parameters $1, $2, $5, $6 as PERSON_RECORDS and personDeletes number them.
  const { rows } = await deps.pool.query<{ created: number; result: PostgresErasureResult }>(
    `with ids as (${PERSON_RECORDS}), r as (
       insert into public.erasure_requests
         (id, user_id, prospect_id, requested_at, due_at, subject_sealed, locked_until, attempts,
          prospect_ids)
       select $3, $2, $4, $7, $8, $9, null, 1,
              array(select distinct x from unnest($1::uuid[] || array(select id from ids)) x order by 1)
        where exists (select 1 from ids where id = $4)
       on conflict (user_id, prospect_id) do nothing
       returning id
     ), ${personDeletes('exists (select 1 from r)')}, sup as (
       insert into public.suppression_list (user_id, kind, digest, reason, created_at, key_id)
       select $2, d.kind, d.digest, 'erasure', $7, $13
         from unnest($11::text[], $12::text[]) as d(kind, digest)
        where exists (select 1 from r)
       on conflict on constraint suppression_list_entry_key do nothing
     ), s as (
       insert into public.erasure_steps
         (request_id, store, next_attempt_at, status, attempts, completed_at, result)
       select r.id, x, $7,
              case when x in ('postgres', 'suppression') then 'completed' else 'pending' end,
              case when x in ('postgres', 'suppression') then 1 else 0 end,
              case when x in ('postgres', 'suppression') then $7 end,
              case x when 'postgres' then (select result from res)
                     when 'suppression' then $14::jsonb end
         from r, unnest($10::text[]) as x
     ), a as (
       -- The app role appends to the audit log only through this function.
       select public.audit_append($2, 'erase', $4, $7, r.id::text) from r where $15
     )
     -- A SELECT in WITH runs only when referenced: count it.
     select (select count(*) from r)::int as created, (select result from res) as result,
            (select count(*) from a) as audited`,
    [
      input.prospectIds,
      input.userId,
      input.id,
      input.prospectId,
      who.emails,
      who.linkedinUrls,
      now,
      input.plan.dueAt,
      input.sealed,
      input.stores,
      suppression.digests.map((d) => d.kind),
      suppression.digests.map((d) => d.digest),
      deps.keys.suppressionHmacKey.current.id,
      JSON.stringify(suppression.result),
      deps.audit !== false,
    ],
  );
  const row = rows[0];
  if (row?.created !== 1) return undefined;
  const erased = row.result.prospectIds ?? [];
  const results: Partial<Record<ErasureStepName, unknown>> = {
    postgres: row.result,
    suppression: suppression.result,
  };
  return {
    request: {
      id: input.id,
      user_id: input.userId,
      prospect_id: input.prospectId,
      status: 'pending',
      requested_at: now,
      due_at: input.plan.dueAt,
      completed_at: null,
      attempts: 1,
      receipt: null,
      subject_sealed: input.sealed,
      prospect_ids: [...new Set([...input.prospectIds, ...erased])].sort(),
    },
    steps: input.stores.map((store) => {
      const done = store in results;
      return {
        store,
        status: done ? 'completed' : 'pending',
        attempts: done ? 1 : 0,
        next_attempt_at: now,
        last_error: null,
        result: results[store] ?? null,
        completed_at: done ? now : null,
      };
    }),
  };
}

type Created =
  | { kind: 'created'; request: RequestRow; steps: StepRow[]; subject: ErasureSubject }
  | { kind: 'existing'; id: string; status: ErasureStatus };

/**
 * Reads the prospect's identifiers, then writes the request (already leased to this worker),
 * its steps and the audit row in one statement, only if the prospect is still there. A
 * prospect that is not the user's (or no longer exists) is answered by the user's existing
 * request for it, or NOT_FOUND. Two round trips: this is on every DELETE's path.
 */
async function createRequest(
  deps: ErasureDeps,
  userId: string,
  prospectId: string,
  options: { eraseNow?: boolean } = {},
): Promise<Created> {
  const client = deps.pool;
  {
    // The prospect, and the customer's other records of the same person (same normalised
    // email or LinkedIn URL, followed transitively): one erasure covers them all.
    const prospect = await client.query<{
      email: string | null;
      linkedin_url: string | null;
      created_at: Date;
      others: Array<{ id: string; email: string | null; linkedin_url: string | null }>;
      first_created_at: Date;
    }>(
      `with recursive person (id, e, u) as (
         select id, public.vigie_normalize_email(email), public.vigie_normalize_linkedin_url(linkedin_url)
           from public.prospects where id = $1 and user_id = $2
         union
         select q.id, public.vigie_normalize_email(q.email),
                public.vigie_normalize_linkedin_url(q.linkedin_url)
           from person p join public.prospects q
             on q.user_id = $2
            and ((p.e <> '' and public.vigie_normalize_email(q.email) = p.e)
                 or (p.u <> '' and public.vigie_normalize_linkedin_url(q.linkedin_url) = p.u))
       )
       select x.email, x.linkedin_url, x.created_at,
              coalesce((select json_agg(json_build_object('id', q.id, 'email', q.email,
                                                          'linkedin_url', q.linkedin_url)
                                        order by q.id)
                          from public.prospects q
                         where q.id in (select id from person) and q.id <> $1), '[]') as others,
              (select min(q.created_at) from public.prospects q
                where q.id in (select id from person)) as first_created_at
         from public.prospects x where x.id = $1 and x.user_id = $2`,
      [prospectId, userId],
    );
    const row = prospect.rows[0];
    const existing = async (): Promise<Created> => {
      // The prospect itself, or a record of the same person erased under another request.
      const found = await client.query<{ id: string; status: ErasureStatus }>(
        `select id, status from public.erasure_requests
          where user_id = $1 and (prospect_id = $2 or prospect_ids @> array[$2::uuid])
          order by (prospect_id = $2) desc, requested_at desc
          limit 1`,
        [userId, prospectId],
      );
      const hit = found.rows[0];
      // Another tenant's prospect looks exactly like a missing one (404, not 403).
      if (hit === undefined)
        throw new VigieError('NOT_FOUND', `No prospect ${prospectId} in your account.`);
      return { kind: 'existing', id: hit.id, status: hit.status };
    };
    if (row === undefined) return existing();
    const id = randomUUID();
    const plan = planErasure(deps.now);
    const prospectIds = [prospectId, ...row.others.map((o) => o.id)];
    const subject: ErasureSubject = {
      email: row.email,
      linkedinUrl: row.linkedin_url,
      createdAt: row.first_created_at.toISOString(),
      ...(row.others.length > 0
        ? { aliases: row.others.map((o) => ({ email: o.email, linkedinUrl: o.linkedin_url })) }
        : {}),
    };
    const sealed = sealSubject(deps.keys.subjectSealKeys, subject, id);
    const stores = plan.steps.map((step) => step.store);
    if (options.eraseNow === true) {
      const done = await insertAndErase(deps, {
        id,
        userId,
        prospectId,
        plan,
        sealed,
        stores,
        prospectIds,
        subject,
      });
      if (done === undefined) return existing();
      return { kind: 'created', subject, request: done.request, steps: done.steps };
    }
    const inserted = await client.query<{ created: number }>(
      `with r as (
         insert into public.erasure_requests
           (id, user_id, prospect_id, requested_at, due_at, subject_sealed, locked_until, attempts,
            prospect_ids)
         select $1, $2, $3, $4, $5, $6, $7, 1, $10::uuid[]
          where exists (select 1 from public.prospects where id = $3 and user_id = $2)
         on conflict (user_id, prospect_id) do nothing
         returning id
       ), s as (
         insert into public.erasure_steps (request_id, store, next_attempt_at)
         select r.id, x, $4 from r, unnest($8::text[]) as x
       ), a as (
         -- The app role appends to the audit log only through this function.
         select public.audit_append($2, 'erase', $3, $4, r.id::text) from r where $9
       )
       -- A SELECT in WITH runs only when referenced: count it.
       select count(*)::int as created, (select count(*) from a) as audited from r`,
      [
        id,
        userId,
        prospectId,
        plan.requestedAt,
        plan.dueAt,
        sealed,
        new Date(deps.now.getTime() + ERASURE_LEASE_MS),
        stores,
        deps.audit !== false,
        prospectIds,
      ],
    );
    if (inserted.rows[0]?.created !== 1) return existing();
    return {
      kind: 'created',
      subject,
      request: {
        id,
        user_id: userId,
        prospect_id: prospectId,
        status: 'pending',
        requested_at: plan.requestedAt,
        due_at: plan.dueAt,
        completed_at: null,
        attempts: 1,
        receipt: null,
        subject_sealed: sealed,
        prospect_ids: prospectIds,
      },
      steps: stores.map((store) => ({
        store,
        status: 'pending',
        attempts: 0,
        next_attempt_at: plan.requestedAt,
        last_error: null,
        result: null,
        completed_at: null,
      })),
    };
  }
}

interface RequestRow {
  id: string;
  user_id: string;
  prospect_id: string;
  status: ErasureStatus;
  requested_at: Date;
  due_at: Date;
  completed_at: Date | null;
  attempts: number;
  receipt: SignedErasureReceipt | null;
  subject_sealed: string | null;
  /** Every record the erasure covers (empty on rows written before it was recorded). */
  prospect_ids: string[];
}

interface StepRow {
  store: ErasureStepName;
  status: ErasureStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  result: unknown;
  completed_at: Date | null;
}

/**
 * Attempts every due step of a pending request (under a lease), then the verification.
 * Returns the request as it stands; a request someone else is advancing is returned as is.
 */
export async function advanceErasure(
  deps: ErasureDeps,
  requestId: string,
): Promise<ErasureRequestView> {
  const now = deps.now;
  const claimed = await deps.pool.query<RequestRow>(
    `update public.erasure_requests
        set locked_until = $2, attempts = attempts + 1
      where id = $1 and status = 'pending' and (locked_until is null or locked_until <= $3)
      returning *`,
    [requestId, new Date(now.getTime() + ERASURE_LEASE_MS), now],
  );
  const request = claimed.rows[0];
  if (request === undefined) return requireView(deps, requestId);
  return advanceClaimed(deps, request, await readSteps(deps.pool, requestId));
}

/** Runs the due steps of a request this worker holds the lease of, then releases it. */
async function advanceClaimed(
  deps: ErasureDeps,
  request: RequestRow,
  stepRows: StepRow[],
): Promise<ErasureRequestView> {
  const now = deps.now;
  const requestId = request.id;
  const steps = new Map(stepRows.map((s) => [s.store, s]));
  const target: Target = {
    userId: request.user_id,
    prospectId: request.prospect_id,
    prospectIds: coveredIds(request),
  };
  const subject: ErasureSubject =
    request.subject_sealed === null
      ? { email: null, linkedinUrl: null }
      : openSubject(
          deps.keys.subjectSealKeys,
          request.subject_sealed,
          request.id,
          // Sealed before the keys were separated: under a key derived from the HMAC key.
          deps.keys.suppressionHmacKey.all.map((k) => k.secret),
        );

  for (const store of ERASURE_STORES) {
    const step = steps.get(store);
    if (!isDue(step, now)) continue;
    try {
      let result = await runStore(deps, store, target, subject, step?.result, { requestId, now });
      // A re-run (the verification found data again) adds to what the first run removed, so
      // the receipt keeps both; n8n carries its own progress across attempts.
      const rerun = step.result != null && store !== 'n8n';
      if (rerun) result = mergeResults(step.result, result);
      // Records of the person the Postgres step found since the request was made.
      if (store === 'postgres') {
        const found = (result as PostgresErasureResult).prospectIds ?? [];
        target.prospectIds = [...new Set([...target.prospectIds, ...found])].sort();
        request.prospect_ids = [...target.prospectIds];
      }
      // Otherwise the store recorded its completion in the statement that did its work.
      if (store === 'upstash' || rerun) {
        await completeStep(deps.pool, requestId, store, result, now);
      }
      steps.set(store, {
        ...step,
        status: 'completed',
        result,
        attempts: step.attempts + 1,
        completed_at: now,
      });
    } catch (error) {
      const partial = error instanceof PartialStepError ? error.partial : undefined;
      steps.set(store, await failStep(deps.pool, requestId, store, step, error, partial, now));
    }
    await deps.afterStep?.(store);
  }

  const verification = steps.get('verification');
  const storesDone = ERASURE_STORES.every((s) => steps.get(s)?.status === 'completed');
  let receipt: SignedErasureReceipt | undefined;
  if (storesDone && isDue(verification, now)) {
    try {
      const result = await verify(deps, target, subject, steps, now);
      const deferred =
        result.totalHits === 0 &&
        result.n8n?.searchWindow.complete === false &&
        (deps.n8nSearchIncomplete ?? 'defer') === 'defer';
      if (deferred) {
        // Clean so far, but n8n's window was not covered: the retry collector searches further.
        await deferVerification(deps.pool, requestId, result, now);
      } else if (result.totalHits === 0) {
        receipt = await complete(deps, request, steps, result, now);
        steps.set('verification', {
          ...verification,
          status: 'completed',
          result,
          attempts: verification.attempts + 1,
          completed_at: now,
        });
      } else {
        await retryAfterHits(deps.pool, requestId, verification as StepRow, result, now);
      }
    } catch (error) {
      await failStep(
        deps.pool,
        requestId,
        'verification',
        verification as StepRow,
        error,
        undefined,
        now,
      );
    }
    await deps.afterStep?.('verification');
  }
  // Completing released the lease in the same statement; the view is what was just written.
  if (receipt !== undefined) return completedView(request, steps, receipt, now);

  await deps.pool.query(
    `update public.erasure_requests r
        set locked_until = null,
            status = case when r.status = 'completed' then 'completed'
                          when exists (select 1 from public.erasure_steps s
                                        where s.request_id = r.id and s.status = 'failed') then 'failed'
                          else 'pending' end
      where id = $1`,
    [requestId],
  );
  return requireView(deps, requestId);
}

/** The request's prospect and the other records of the person, sorted, each once. */
function coveredIds(request: Pick<RequestRow, 'prospect_id' | 'prospect_ids'>): string[] {
  return [...new Set([request.prospect_id, ...(request.prospect_ids ?? [])])].sort();
}

/** Numbers add up, lists are united, flags are or-ed: two runs of one step as one result. */
export function mergeResults(previous: unknown, next: unknown): unknown {
  if (typeof previous !== 'object' || previous === null) return next;
  if (typeof next !== 'object' || next === null) return previous;
  const out: Record<string, unknown> = { ...(previous as Record<string, unknown>) };
  for (const [key, value] of Object.entries(next as Record<string, unknown>)) {
    const before = out[key];
    if (typeof value === 'number' && typeof before === 'number') out[key] = before + value;
    else if (Array.isArray(value) && Array.isArray(before)) {
      out[key] = [...new Set([...before, ...value])].sort();
    } else if (typeof value === 'boolean' && typeof before === 'boolean') {
      out[key] = before || value;
    } else out[key] = value;
  }
  return out;
}

function isDue(step: StepRow | undefined, now: Date): step is StepRow {
  return (
    step !== undefined &&
    step.status === 'pending' &&
    (step.next_attempt_at === null || step.next_attempt_at.getTime() <= now.getTime())
  );
}

async function runStore(
  deps: ErasureDeps,
  store: (typeof ERASURE_STORES)[number],
  target: Target,
  subject: ErasureSubject,
  previous: unknown,
  mark: StepMark,
): Promise<unknown> {
  switch (store) {
    case 'postgres':
      return erasePostgres(deps.pool, target, subject, mark);
    case 'upstash':
      return eraseUpstash(deps.redis, target, subject);
    case 'n8n':
      return eraseN8n(
        deps.pool,
        deps.n8n,
        target,
        (previous ?? undefined) as Partial<N8nErasureResult>,
        mark,
      );
    case 'suppression':
      return addErasureSuppression(deps.pool, target, subject, {
        hmacKey: deps.keys.suppressionHmacKey,
        mark,
      });
  }
}

async function verify(
  deps: ErasureDeps,
  target: Target,
  subject: ErasureSubject,
  steps: Map<ErasureStepName, StepRow>,
  now: Date,
): Promise<VerificationResult> {
  const n8nResult = steps.get('n8n')?.result as N8nErasureResult | undefined;
  const [pg, redis, n8n] = await Promise.all([
    verifyPostgres(deps.pool, target, subject),
    verifyUpstash(
      deps.redis,
      target,
      subject,
      steps.get('upstash')?.result as UpstashErasureResult,
    ),
    verifyN8n(deps.pool, deps.n8n, target, subject, {
      executionIds: [
        ...(n8nResult?.executionsDeleted ?? []),
        ...(n8nResult?.executionsAlreadyGone ?? []),
      ],
      maxExecutions: deps.n8nSearchLimit ?? DEFAULT_N8N_SEARCH_LIMIT,
      since: subject.createdAt ? new Date(subject.createdAt) : undefined,
      now,
    }),
  ]);
  return summarize([...pg, ...redis, ...n8n.checks], now, n8n.scope);
}

async function complete(
  deps: ErasureDeps,
  request: RequestRow,
  steps: Map<ErasureStepName, StepRow>,
  verification: VerificationResult,
  now: Date,
): Promise<SignedErasureReceipt> {
  const body: ErasureReceiptBody = {
    type: RECEIPT_TYPE,
    requestId: request.id,
    userId: request.user_id,
    prospectId: request.prospect_id,
    prospectIds: coveredIds(request),
    requestedAt: request.requested_at.toISOString(),
    dueAt: request.due_at.toISOString(),
    completedAt: now.toISOString(),
    stores: {
      postgres: steps.get('postgres')?.result as PostgresErasureResult,
      upstash: steps.get('upstash')?.result as UpstashErasureResult,
      n8n: steps.get('n8n')?.result as N8nErasureResult,
      suppression: steps.get('suppression')?.result as SuppressionResult,
    },
    verification,
    residualWindows: residualWindows(now, deps.residual ?? DEFAULT_RESIDUAL_SETTINGS),
  };
  const receipt = signReceipt(body, deps.keys.receiptSigner);
  // One statement: the step, the receipt and the released lease. The sealed identifiers stay
  // until the deep sweep has read the customer's text columns for them (erasure-sweep.ts).
  await deps.pool.query(
    `with step as (
       update public.erasure_steps
          set status = 'completed', attempts = attempts + 1, result = $2, completed_at = $3,
              last_error = null, next_attempt_at = $3
        where request_id = $1 and store = 'verification'
     )
     update public.erasure_requests
        set status = 'completed', completed_at = $3, receipt = $4, locked_until = null,
            deep_check_status = case when subject_sealed is null then 'clean' else 'pending' end
      where id = $1`,
    [request.id, verification, now, receipt],
  );
  return receipt;
}

/** The verification stays pending, due now, for the retry collector; not an attempt used up. */
async function deferVerification(
  pool: Pool,
  requestId: string,
  result: VerificationResult,
  now: Date,
): Promise<void> {
  const scope = result.n8n;
  await pool.query(
    `update public.erasure_steps
        set next_attempt_at = $2, last_error = $3, result = $4
      where request_id = $1 and store = 'verification'`,
    [
      requestId,
      now,
      `n8n search deferred to the retry job: the newest ${scope?.recentExecutionsSearched ?? 0} executions do not reach back to the prospect's creation`,
      result,
    ],
  );
}

/** Hits after every store said "done": run the stores that still hold data again. */
async function retryAfterHits(
  pool: Pool,
  requestId: string,
  step: StepRow,
  result: VerificationResult,
  now: Date,
): Promise<void> {
  const dirty = [...new Set(result.checks.filter((c) => c.hits > 0).map((c) => c.store))];
  const attempts = step.attempts + 1;
  const summary = result.checks
    .filter((c) => c.hits > 0)
    .map((c) => `${c.store}/${c.target}/${c.probe}: ${c.hits}`)
    .join('; ');
  await withTransaction(pool, async (client) => {
    await client.query(
      `update public.erasure_steps
          set status = $3, attempts = $4, next_attempt_at = $5, last_error = $6, result = $7
        where request_id = $1 and store = $2`,
      [
        requestId,
        'verification',
        attemptsExhausted(attempts) ? 'failed' : 'pending',
        attempts,
        now,
        `verification found data: ${summary}`.slice(0, 500),
        result,
      ],
    );
    await client.query(
      `update public.erasure_steps set status = 'pending', next_attempt_at = $3, completed_at = null
        where request_id = $1 and store = any($2::text[])`,
      [requestId, dirty, nextAttemptAt(attempts, now)],
    );
  });
}

async function completeStep(
  pool: Queryable,
  requestId: string,
  store: ErasureStepName,
  result: unknown,
  now: Date,
): Promise<void> {
  await pool.query(
    `update public.erasure_steps
        set status = 'completed', attempts = attempts + 1, result = $3, completed_at = $4,
            last_error = null
      where request_id = $1 and store = $2`,
    [requestId, store, JSON.stringify(result), now],
  );
}

async function failStep(
  pool: Pool,
  requestId: string,
  store: ErasureStepName,
  step: StepRow,
  error: unknown,
  partial: unknown,
  now: Date,
): Promise<StepRow> {
  const attempts = step.attempts + 1;
  const status: ErasureStatus = attemptsExhausted(attempts) ? 'failed' : 'pending';
  const cause = error instanceof PartialStepError ? error.cause : error;
  const next = notBeforeRetryAfter(nextAttemptAt(attempts, now), cause, now);
  const lastError = describeError(cause);
  await pool.query(
    `update public.erasure_steps
        set status = $3, attempts = $4, next_attempt_at = $5, last_error = $6,
            result = coalesce($7, result)
      where request_id = $1 and store = $2`,
    [
      requestId,
      store,
      status,
      attempts,
      next,
      lastError,
      partial === undefined ? null : JSON.stringify(partial),
    ],
  );
  return {
    ...step,
    status,
    attempts,
    next_attempt_at: next,
    last_error: lastError,
    result: partial ?? step.result,
  };
}

/** A 429 from n8n says when to come back: the retry job waits at least that long. */
function notBeforeRetryAfter(next: Date, error: unknown, now: Date): Date {
  if (!(error instanceof N8nApiError) || error.retryAfterSeconds === undefined) return next;
  return new Date(Math.max(next.getTime(), now.getTime() + error.retryAfterSeconds * 1000));
}

/**
 * A step's error as stored: our own messages (ids only, written to say what to fix) or a
 * class and code, never a driver's message, which may quote data. An n8n error quotes what
 * n8n said, which can name the very prospect being erased: scrubbed before it is cut.
 */
export function describeError(error: unknown): string {
  if (error instanceof N8nApiError) {
    return `n8n ${error.kind}: ${scrubText(error.message)}`.slice(0, 500);
  }
  if (isVigieError(error)) return `${error.code}: ${error.message}`.slice(0, 500);
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const name = error.name === 'Error' ? error.constructor.name : error.name;
    return `${name}${typeof code === 'string' ? ` ${code}` : ''}: store unreachable or refused the command`;
  }
  return 'unknown error';
}

async function readSteps(pool: Pool, requestId: string): Promise<StepRow[]> {
  const { rows } = await pool.query<StepRow>(
    `select store, status, attempts, next_attempt_at, last_error, result, completed_at
       from public.erasure_steps where request_id = $1`,
    [requestId],
  );
  return rows;
}

/** The request of `userId` (NOT_FOUND for anyone else's, or an unknown id). */
export async function getErasureRequest(
  deps: Pick<ErasureDeps, 'pool'>,
  input: { userId: string; requestId: string },
): Promise<ErasureRequestView> {
  assertUuid(input.requestId, 'Erasure request id');
  const view = await readView(deps.pool, input.requestId);
  if (view === undefined || view.userId !== input.userId.toLowerCase()) {
    throw new VigieError('NOT_FOUND', `No erasure request ${input.requestId} in your account.`);
  }
  return view;
}

/** Any request by id, for an operator (the runbook actions); undefined when there is none. */
export async function findErasureRequest(
  pool: Pool,
  requestId: string,
): Promise<ErasureRequestView | undefined> {
  assertUuid(requestId, 'Erasure request id');
  return readView(pool, requestId);
}

async function requireView(
  deps: Pick<ErasureDeps, 'pool'>,
  id: string,
): Promise<ErasureRequestView> {
  const view = await readView(deps.pool, id);
  if (view === undefined) throw new VigieError('NOT_FOUND', `No erasure request ${id}.`);
  return view;
}

function pendingView(
  request: RequestRow,
  steps: Map<ErasureStepName, StepRow>,
): ErasureRequestView {
  return {
    id: request.id,
    userId: request.user_id,
    prospectId: request.prospect_id,
    status: 'pending',
    requestedAt: request.requested_at.toISOString(),
    dueAt: request.due_at.toISOString(),
    completedAt: null,
    attempts: request.attempts,
    steps: ERASURE_STEPS.map((store) => {
      const step = steps.get(store);
      const status = step?.status ?? 'pending';
      return {
        store,
        status,
        attempts: step?.attempts ?? 0,
        nextAttemptAt: status === 'pending' ? (step?.next_attempt_at?.toISOString() ?? null) : null,
        lastError: step?.last_error ?? null,
        completedAt: step?.completed_at?.toISOString() ?? null,
      };
    }),
    receipt: null,
  };
}

function completedView(
  request: RequestRow,
  steps: Map<ErasureStepName, StepRow>,
  receipt: SignedErasureReceipt,
  now: Date,
): ErasureRequestView {
  return {
    id: request.id,
    userId: request.user_id,
    prospectId: request.prospect_id,
    status: 'completed',
    requestedAt: request.requested_at.toISOString(),
    dueAt: request.due_at.toISOString(),
    completedAt: now.toISOString(),
    attempts: request.attempts,
    steps: ERASURE_STEPS.map((store) => {
      const step = steps.get(store);
      return {
        store,
        status: 'completed' as const,
        attempts: step?.attempts ?? 0,
        nextAttemptAt: null,
        lastError: null,
        completedAt: (step?.completed_at ?? now).toISOString(),
      };
    }),
    receipt,
  };
}

async function readView(pool: Pool, id: string): Promise<ErasureRequestView | undefined> {
  const { rows } = await pool.query<RequestRow & { steps: StepRow[] }>(
    `select r.id, r.user_id, r.prospect_id, r.status, r.requested_at, r.due_at, r.completed_at,
            r.attempts, r.receipt,
            coalesce((select json_agg(json_build_object(
                        'store', s.store, 'status', s.status, 'attempts', s.attempts,
                        'next_attempt_at', s.next_attempt_at, 'last_error', s.last_error,
                        'completed_at', s.completed_at))
                        from public.erasure_steps s where s.request_id = r.id), '[]') as steps
       from public.erasure_requests r where r.id = $1`,
    [id],
  );
  const r = rows[0];
  if (r === undefined) return undefined;
  const order = (s: StepRow) =>
    ['postgres', 'upstash', 'n8n', 'suppression', 'verification'].indexOf(s.store);
  const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
  return {
    id: r.id,
    userId: r.user_id,
    prospectId: r.prospect_id,
    status: r.status,
    requestedAt: r.requested_at.toISOString(),
    dueAt: r.due_at.toISOString(),
    completedAt: iso(r.completed_at),
    attempts: r.attempts,
    steps: [...r.steps]
      .sort((a, b) => order(a) - order(b))
      .map((s) => ({
        store: s.store,
        status: s.status,
        attempts: s.attempts,
        nextAttemptAt: s.status === 'pending' ? iso(s.next_attempt_at) : null,
        lastError: s.last_error,
        completedAt: iso(s.completed_at),
      })),
    receipt: r.receipt,
  };
}

/** Pending requests with a due step and no live lease, most urgent first. */
export async function dueErasureRequests(
  db: Queryable,
  now: Date,
  limit: number,
): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `select r.id from public.erasure_requests r
      where r.status = 'pending' and (r.locked_until is null or r.locked_until <= $1)
        and exists (select 1 from public.erasure_steps s
                     where s.request_id = r.id and s.status = 'pending' and s.next_attempt_at <= $1
                       -- the verification waits for every store step
                       and (s.store <> 'verification'
                            or not exists (select 1 from public.erasure_steps o
                                            where o.request_id = r.id and o.store <> 'verification'
                                              and o.status <> 'completed')))
      order by r.due_at
      limit $2`,
    [now, limit],
  );
  return rows.map((r) => r.id);
}
