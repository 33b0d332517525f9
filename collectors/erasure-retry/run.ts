import type { Queryable } from '../../adapters/postgres/pool.ts';
import { isVigieError } from '../../core/errors.ts';
import { type ErasureStatus, needsAttention } from '../../core/privacy/erasure-plan.ts';
import {
  type RaiseAlert,
  type TickBase,
  finish,
  raiseAndRecord,
  unreadFrom,
} from '../shared/tick.ts';

/**
 * Every 5 minutes: add the missing suppression records of unsubscribed prospects (the sweep),
 * advance each pending erasure with a due step (a store was down, a worker
 * crashed mid-request), then page for requests that need a person — failed, a step failing
 * for an hour, stuck for a day, or within 7 days of (or past) their Art. 12 deadline (`erasure-overdue`), and failed ones
 * whose verification kept finding data (`erasure-verification-failed`); then the deep check of
 * completed erasures (every text column of the customer, off the request path), paging what it
 * finds (`erasure-verification-failed`, store `postgres`).
 */
export interface ErasureRetryDeps {
  db: Queryable;
  raise: RaiseAlert;
  /** `dueErasureRequests` from adapters/privacy/erasure.ts. */
  due: (db: Queryable, now: Date, limit: number) => Promise<string[]>;
  /** `advanceErasure` bound to its deps and `now`. */
  advance: (requestId: string) => Promise<{ status: ErasureStatus }>;
  /** Requests advanced per run (default 200); the rest wait for the next tick. */
  batchSize?: number;
  /**
   * `syncSuppressions` from adapters/privacy/suppression-sync.ts bound to its key and `now`:
   * the suppression digests of prospects the app marked unsubscribed (email events it inserts
   * directly, complaints, objections recorded without the key).
   */
  syncSuppressions?: () => Promise<{ synced: number; remaining: boolean }>;
  /**
   * `sweepErasures` from adapters/privacy/erasure-sweep.ts bound to its deps: the deep check
   * of completed erasures (every text column of the customer); what it finds is paged.
   */
  sweep?: () => Promise<{
    checked: number;
    clean: number;
    found: Array<{ requestId: string; hits: number }>;
  }>;
}

export interface ErasureRetrySummary extends TickBase {
  attempted: number;
  completed: number;
  stillPending: number;
  failed: number;
  /** Requests that threw while advancing (ids and codes only). */
  errors: Array<{ requestId: string; errorCode: string }>;
  attention: Array<{ requestId: string; reason: string }>;
  /** The suppression sweep of this run; `error` is a code (the next run retries). */
  suppression?: { synced: number; remaining: boolean } | { errorCode: string };
  /** The deep check of completed erasures: how many were read, clean, and with data found. */
  deepCheck?: { checked: number; clean: number; found: number } | { errorCode: string };
}

interface OpenRow {
  id: string;
  status: ErasureStatus;
  requested_at: Date;
  due_at: Date;
  step: string | null;
  failed_step: string | null;
  failing_step: string | null;
  hits: number | null;
  hit_stores: string | null;
}

export async function run(deps: ErasureRetryDeps, now: Date): Promise<ErasureRetrySummary> {
  const summary: ErasureRetrySummary = {
    collector: 'erasure-retry',
    at: now.toISOString(),
    status: 'ok',
    unread: [],
    alertsRaised: [],
    metrics: [],
    attempted: 0,
    completed: 0,
    stillPending: 0,
    failed: 0,
    errors: [],
    attention: [],
  };
  if (deps.syncSuppressions) {
    try {
      summary.suppression = await deps.syncSuppressions();
    } catch (error) {
      summary.suppression = { errorCode: isVigieError(error) ? error.code : 'INTERNAL' };
      // Not a zero: the tick is degraded and says which source it could not process.
      summary.unread.push(unreadFrom('postgres.suppression_sync', error));
    }
  }
  for (const id of await deps.due(deps.db, now, deps.batchSize ?? 200)) {
    summary.attempted += 1;
    try {
      const { status } = await deps.advance(id);
      if (status === 'completed') summary.completed += 1;
      else if (status === 'failed') summary.failed += 1;
      else summary.stillPending += 1;
    } catch (error) {
      summary.stillPending += 1;
      summary.errors.push({
        requestId: id,
        errorCode: isVigieError(error) ? error.code : 'INTERNAL',
      });
    }
  }

  const { rows } = await deps.db.query<OpenRow>(
    `select r.id, r.status, r.requested_at, r.due_at,
            (select s.store from public.erasure_steps s
              where s.request_id = r.id and s.status <> 'completed'
              order by array_position(array['postgres','upstash','n8n','suppression','verification'], s.store)
              limit 1) as step,
            (select s.store from public.erasure_steps s
              where s.request_id = r.id and s.status = 'failed' limit 1) as failed_step,
            -- A step still retried that has failed at least once (a deferred verification is
            -- not an attempt): pages after an hour.
            (select s.store from public.erasure_steps s
              where s.request_id = r.id and s.status = 'pending' and s.attempts > 0
                and s.last_error is not null
              order by array_position(array['postgres','upstash','n8n','suppression','verification'], s.store)
              limit 1) as failing_step,
            (select (s.result->>'totalHits')::int from public.erasure_steps s
              where s.request_id = r.id and s.store = 'verification') as hits,
            -- The stores where the last verification found data (ids of stores, never data).
            (select string_agg(distinct c->>'store', '_and_' order by c->>'store')
               from public.erasure_steps s, jsonb_array_elements(s.result->'checks') c
              where s.request_id = r.id and s.store = 'verification'
                and (c->>'hits')::int > 0) as hit_stores
       from public.erasure_requests r
      where r.status <> 'completed'
      order by r.due_at`,
  );
  for (const row of rows) {
    const reason = needsAttention(
      {
        status: row.status,
        requestedAt: row.requested_at,
        dueAt: row.due_at,
        failing: row.failing_step !== null,
      },
      now,
    );
    if (reason === undefined) continue;
    summary.attention.push({ requestId: row.id, reason });
    if (row.failed_step === 'verification' && (row.hits ?? 0) > 0) {
      await raiseAndRecord(
        deps,
        summary.alertsRaised,
        'erasure-verification-failed',
        {
          erasureRequestId: row.id,
          remaining: row.hits ?? 0,
          // A label is an id: `postgres`, or `postgres_and_upstash` when several stores.
          store: row.hit_stores ?? 'unknown',
        },
        now,
      );
      continue;
    }
    await raiseAndRecord(
      deps,
      summary.alertsRaised,
      'erasure-overdue',
      {
        erasureRequestId: row.id,
        ageHours: Math.floor((now.getTime() - row.requested_at.getTime()) / 3_600_000),
        step: row.failed_step ?? row.failing_step ?? row.step ?? 'none',
      },
      now,
    );
  }
  if (deps.sweep) {
    try {
      const swept = await deps.sweep();
      summary.deepCheck = { checked: swept.checked, clean: swept.clean, found: swept.found.length };
      for (const f of swept.found) {
        await raiseAndRecord(
          deps,
          summary.alertsRaised,
          'erasure-verification-failed',
          { erasureRequestId: f.requestId, remaining: f.hits, store: 'postgres' },
          now,
        );
      }
    } catch (error) {
      summary.deepCheck = { errorCode: isVigieError(error) ? error.code : 'INTERNAL' };
      summary.unread.push(unreadFrom('postgres.erasure_deep_check', error));
    }
  }
  summary.metrics.push(
    { name: 'vigie_erasure_open', value: rows.length, labels: {} },
    { name: 'vigie_erasure_completed', value: summary.completed, labels: {} },
    // Past the Art. 12 deadline (one month, or the extended three) and still not completed.
    {
      name: 'vigie_erasure_overdue',
      value: rows.filter((row) => row.due_at.getTime() <= now.getTime()).length,
      labels: {},
    },
  );
  return finish(deps, summary, now);
}
