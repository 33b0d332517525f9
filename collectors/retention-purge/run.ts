import type { Queryable } from '../../adapters/postgres/pool.ts';
import { RETENTION_UNSUBSCRIBED_SQL } from '../../migrations/hot-queries.ts';
import { isVigieError } from '../../core/errors.ts';
import { finish, raiseAndRecord, type RaiseAlert, type TickBase } from '../shared/tick.ts';

/**
 * Daily retention purge: prospects unsubscribed (or objecting, which unsubscribes them) more
 * than `retentionDays` ago are erased through the erasure verb, the same path as
 * `DELETE /prospects/{id}` — every store, suppression record, receipt, audit row.
 *
 * Resumable by construction: the work list is the query itself. Batches walk it by keyset
 * (unsubscribed_at, id), so a prospect that fails is not retried in a loop within the run;
 * erased prospects disappear from it, so a run that crashed half-way simply continues where it
 * stopped the next time (erasure is idempotent, a half-done request resumes).
 */

export interface ErasureOutcome {
  status: 'pending' | 'completed' | 'failed';
}

export interface RetentionPurgeDeps {
  db: Queryable;
  raise: RaiseAlert;
  /** `requestErasure` from adapters/privacy/erasure.ts, bound to its deps. */
  erase: (input: { userId: string; prospectId: string }) => Promise<ErasureOutcome>;
  /** Default 100. */
  batchSize?: number;
  /** Default 30. */
  retentionDays?: number;
  /** Safety stop per run (default 10 000); the rest waits for the next day. */
  maxProspects?: number;
}

export interface RetentionPurgeSummary extends TickBase {
  cutoff: string;
  /** Erasure completed in every store. */
  erased: number;
  /** No longer there or no longer eligible when its turn came. */
  skipped: number;
  /** The erasure threw or ended `failed`. */
  failed: number;
  /** A store was down: the request is durable and the erasure-retry collector finishes it. */
  deferred: number;
  batches: number;
  /** Error codes of the failures (ids and codes only). */
  failures: Array<{ prospectId: string; errorCode: string }>;
}

export const RETENTION_DAYS = 30;

interface Candidate {
  id: string;
  user_id: string;
  unsubscribed_at: string;
}

export async function run(deps: RetentionPurgeDeps, now: Date): Promise<RetentionPurgeSummary> {
  const batchSize = deps.batchSize ?? 100;
  const maxProspects = deps.maxProspects ?? 10_000;
  const cutoff = new Date(now.getTime() - (deps.retentionDays ?? RETENTION_DAYS) * 86_400_000);
  const summary: RetentionPurgeSummary = {
    collector: 'retention-purge',
    at: now.toISOString(),
    status: 'ok',
    unread: [],
    alertsRaised: [],
    metrics: [],
    cutoff: cutoff.toISOString(),
    erased: 0,
    skipped: 0,
    failed: 0,
    deferred: 0,
    batches: 0,
    failures: [],
  };
  // Text, not Date: a JS Date drops the microseconds and the keyset would skip or repeat rows.
  let after: { at: string; id: string } | undefined;
  let seen = 0;
  while (seen < maxProspects) {
    const { rows } = await deps.db.query<Candidate>(RETENTION_UNSUBSCRIBED_SQL, [
      cutoff,
      after?.at ?? null,
      after?.id ?? null,
      Math.min(batchSize, maxProspects - seen),
    ]);
    if (rows.length === 0) break;
    summary.batches += 1;
    for (const row of rows) {
      seen += 1;
      await purgeOne(deps, summary, row);
    }
    const last = rows[rows.length - 1]!;
    after = { at: last.unsubscribed_at, id: last.id };
  }
  summary.metrics.push(
    { name: 'vigie_retention_purge_erased', value: summary.erased, labels: {} },
    { name: 'vigie_retention_purge_failed', value: summary.failed, labels: {} },
  );
  if (summary.failed > 0) {
    await raiseAndRecord(
      deps,
      summary.alertsRaised,
      'retention-purge-failed',
      { dataset: 'prospects', errorCode: summary.failures[0]?.errorCode ?? 'failed' },
      now,
    );
  }
  return finish(deps, summary, now);
}

async function purgeOne(
  deps: RetentionPurgeDeps,
  summary: RetentionPurgeSummary,
  row: Candidate,
): Promise<void> {
  try {
    const outcome = await deps.erase({ userId: row.user_id, prospectId: row.id });
    if (outcome.status === 'completed') summary.erased += 1;
    else if (outcome.status === 'pending') summary.deferred += 1;
    else fail(summary, row.id, 'ERASURE_FAILED');
  } catch (error) {
    // Gone since the batch was read (erased by its owner meanwhile): nothing left to do.
    if (isVigieError(error) && error.code === 'NOT_FOUND') {
      summary.skipped += 1;
      return;
    }
    fail(summary, row.id, isVigieError(error) ? error.code : 'INTERNAL');
  }
}

function fail(summary: RetentionPurgeSummary, prospectId: string, errorCode: string): void {
  summary.failed += 1;
  if (summary.failures.length < 20) summary.failures.push({ prospectId, errorCode });
}
