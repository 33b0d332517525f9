/**
 * The deep check of completed erasures (docs/privacy-erasure.md): the request path verifies
 * Postgres with index lookups only (ids in every `prospect_id` column, the person's identifiers
 * in the identifier columns), so a copy typed into a free-text column elsewhere (a note, another
 * row's enrichment) is looked for here, in the erasure-retry collector, off the request path:
 * every text column of every row of the customer, for each email, LinkedIn URL and record id
 * of the person (`deepVerifyPostgres`).
 *
 * The sealed identifiers are kept after completion until this check is `clean`, then dropped.
 * `found` is paged (`erasure-verification-failed`) and checked again on every run, so it turns
 * `clean` by itself once an operator has removed the copy. Nothing here is deleted
 * automatically: a copy in someone else's row is for a person to judge.
 */
import type { Keyring } from '../../core/privacy/keyring.ts';
import type { VerificationResult } from '../../core/privacy/receipt.ts';
import { openSubject } from '../../core/privacy/subject-seal.ts';
import type { Pool } from '../postgres/pool.ts';
import { deepVerifyPostgres, summarize } from './erasure-verify.ts';

export interface SweepDeps {
  pool: Pool;
  keys: { suppressionHmacKey: Keyring; subjectSealKeys: Keyring };
  now: Date;
}

export interface SweepFinding {
  requestId: string;
  hits: number;
  /** The tables with hits, e.g. `meetings` (ids of tables, never data). */
  tables: string[];
}

export interface SweepResult {
  checked: number;
  clean: number;
  found: SweepFinding[];
}

/** Each read of a customer costs a full pass over its rows: a bounded batch per run. */
export const DEFAULT_SWEEP_BATCH = 100;

export async function sweepErasures(
  deps: SweepDeps,
  options: { limit?: number } = {},
): Promise<SweepResult> {
  const { rows } = await deps.pool.query<{
    id: string;
    user_id: string;
    prospect_id: string;
    prospect_ids: string[];
    subject_sealed: string;
  }>(
    `select id, user_id, prospect_id, prospect_ids, subject_sealed
       from public.erasure_requests
      where deep_check_status in ('pending', 'found') and subject_sealed is not null
      order by completed_at
      limit $1`,
    [options.limit ?? DEFAULT_SWEEP_BATCH],
  );
  const out: SweepResult = { checked: 0, clean: 0, found: [] };
  for (const row of rows) {
    const subject = openSubject(
      deps.keys.subjectSealKeys,
      row.subject_sealed,
      row.id,
      deps.keys.suppressionHmacKey.all.map((k) => k.secret),
    );
    const target = {
      userId: row.user_id,
      prospectId: row.prospect_id,
      prospectIds: [...new Set([row.prospect_id, ...row.prospect_ids])].sort(),
    };
    const result: VerificationResult = summarize(
      await deepVerifyPostgres(deps.pool, target, subject),
      deps.now,
    );
    out.checked += 1;
    if (result.totalHits === 0) {
      out.clean += 1;
      await deps.pool.query(
        `update public.erasure_requests
            set deep_check_status = 'clean', deep_checked_at = $2, deep_check = $3,
                subject_sealed = null
          where id = $1`,
        [row.id, deps.now, result],
      );
    } else {
      const tables = [...new Set(result.checks.filter((c) => c.hits > 0).map((c) => c.target))];
      out.found.push({ requestId: row.id, hits: result.totalHits, tables: tables.sort() });
      await deps.pool.query(
        `update public.erasure_requests
            set deep_check_status = 'found', deep_checked_at = $2, deep_check = $3
          where id = $1`,
        [row.id, deps.now, result],
      );
    }
  }
  return out;
}
