/**
 * The suppression list (`suppression_list`): keyed HMAC digests of a person's email and
 * LinkedIn URL, with a reason and a date, so a later scrape or import cannot bring back someone
 * who was erased or objected. Imports call `isSuppressed` / `filterSuppressed` before inserting.
 * A row with `user_id` null suppresses the person for every customer; otherwise for that one.
 */
import type { Queryable } from '../postgres/pool.ts';
import {
  type SuppressionDigest,
  type SuppressionIdentifiers,
  type SuppressionKind,
  type SuppressionReason,
  suppressionDigests,
  suppressionLookupDigests,
} from '../../core/privacy/suppression.ts';
import type { Keyring } from '../../core/privacy/keyring.ts';

export interface SuppressionOptions {
  /** `SUPPRESSION_HMAC_KEYS`: new digests under the first key, lookups under all. */
  hmacKey: Keyring;
}

export interface AddSuppressionInput extends SuppressionIdentifiers {
  /** The customer the suppression applies to; omit for every customer. */
  userId?: string | null;
  reason: SuppressionReason;
  now: Date;
}

/** Adds the digests (idempotent: an existing entry is kept with its first date). */
export async function addSuppression(
  db: Queryable,
  input: AddSuppressionInput,
  options: SuppressionOptions,
): Promise<SuppressionKind[]> {
  const digests = suppressionDigests(options.hmacKey, input);
  if (digests.length === 0) return [];
  await db.query(
    `insert into public.suppression_list (user_id, kind, digest, reason, created_at, key_id)
     select $1::uuid, d.kind, d.digest, $4, $5, $6
       from unnest($2::text[], $3::text[]) as d(kind, digest)
     on conflict on constraint suppression_list_entry_key do nothing`,
    [
      input.userId ?? null,
      digests.map((d) => d.kind),
      digests.map((d) => d.digest),
      input.reason,
      input.now,
      options.hmacKey.current.id,
    ],
  );
  return digests.map((d) => d.kind);
}

/** Whether any of the identifiers is suppressed for `userId` (or for everyone). */
export async function isSuppressed(
  db: Queryable,
  identifiers: SuppressionIdentifiers & { userId?: string | null },
  options: SuppressionOptions,
): Promise<boolean> {
  const digests = suppressionLookupDigests(options.hmacKey, identifiers);
  if (digests.length === 0) return false;
  const hits = await matchingDigests(db, digests, identifiers.userId ?? null);
  return hits.size > 0;
}

/**
 * Splits candidates for an import into those that may be inserted and those suppressed, in
 * one query for the whole batch.
 */
export async function filterSuppressed<T extends SuppressionIdentifiers>(
  db: Queryable,
  userId: string | null,
  candidates: readonly T[],
  options: SuppressionOptions,
): Promise<{ allowed: T[]; suppressed: T[] }> {
  const perCandidate = candidates.map((c) => suppressionLookupDigests(options.hmacKey, c));
  const hits = await matchingDigests(db, perCandidate.flat(), userId);
  const allowed: T[] = [];
  const suppressed: T[] = [];
  candidates.forEach((candidate, i) => {
    const blocked = (perCandidate[i] ?? []).some((d) => hits.has(d.digest));
    (blocked ? suppressed : allowed).push(candidate);
  });
  return { allowed, suppressed };
}

async function matchingDigests(
  db: Queryable,
  digests: readonly SuppressionDigest[],
  userId: string | null,
): Promise<Set<string>> {
  if (digests.length === 0) return new Set();
  const { rows } = await db.query<{ digest: string }>(
    `select distinct s.digest
       from public.suppression_list s
       join unnest($1::text[], $2::text[]) as d(kind, digest)
         on s.kind = d.kind and s.digest = d.digest
      where s.user_id is null or s.user_id = $3::uuid`,
    [digests.map((d) => d.kind), digests.map((d) => d.digest), userId],
  );
  return new Set(rows.map((r) => r.digest));
}
