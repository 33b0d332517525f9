import type { KeyObject } from 'node:crypto';
import { VigieError } from '../../core/errors.ts';
import type { ErasureStatus } from '../../core/privacy/erasure-plan.ts';
import { type SignedErasureReceipt, verifyReceipt } from '../../core/privacy/receipt.ts';
import { withTransaction } from '../postgres/pool.ts';
import {
  type ErasureDeps,
  type ErasureRequestView,
  advanceErasure,
  findErasureRequest,
} from '../privacy/erasure.ts';
import { auditAction } from './audit.ts';

/**
 * Runbook actions on one erasure request, once the provider that failed it is fixed:
 * `retryErasure` makes its unfinished steps due now (a `failed` request back to `pending`, one
 * more attempt each) and advances it at once, instead of waiting out the backoff (up to an
 * hour) or for ever (a failed step is not retried by the worker). Audited when it reschedules
 * something; on a completed request, or one already due, it writes nothing.
 * `verifyErasure` says whether the request is completed with a receipt that verifies.
 */
export interface ErasureRetryResult {
  before: ErasureStatus;
  /** Steps made due now (empty: nothing to reschedule). */
  rescheduled: string[];
  view: ErasureRequestView;
}

export async function retryErasure(
  deps: ErasureDeps,
  requestId: string,
): Promise<ErasureRetryResult> {
  const before = await findErasureRequest(deps.pool, requestId);
  if (before === undefined) {
    throw new VigieError('NOT_FOUND', `No erasure request ${requestId}.`);
  }
  if (before.status === 'completed') return { before: 'completed', rescheduled: [], view: before };
  const rescheduled = await withTransaction(deps.pool, async (client) => {
    const { rows } = await client.query<{ store: string }>(
      `update public.erasure_steps set status = 'pending', next_attempt_at = $2
        where request_id = $1 and status <> 'completed'
          and (status = 'failed' or next_attempt_at > $2)
        returning store`,
      [requestId, deps.now],
    );
    await client.query(
      `update public.erasure_requests set status = 'pending' where id = $1 and status = 'failed'`,
      [requestId],
    );
    if (rows.length > 0) {
      await auditAction(client, {
        action: 'runbook.erasure_retry',
        userId: before.userId,
        subject: `erasure:${requestId}`,
        at: deps.now,
      });
    }
    return rows.map((r) => r.store).sort();
  });
  const view = await advanceErasure(deps, requestId);
  return { before: before.status, rescheduled, view };
}

export type ErasureVerdict =
  | { ok: true; receipt: SignedErasureReceipt; prospectRowsLeft: 0 }
  | { ok: false; reason: string; view: ErasureRequestView | undefined };

/** Completed, its receipt's signature holds, and the prospect's row is gone. Reads only. */
export async function verifyErasure(
  deps: Pick<ErasureDeps, 'pool'>,
  requestId: string,
  publicKey: KeyObject,
): Promise<ErasureVerdict> {
  const view = await findErasureRequest(deps.pool, requestId);
  if (view === undefined) return { ok: false, reason: `no erasure request ${requestId}`, view };
  if (view.status !== 'completed' || view.receipt === null) {
    const open = view.steps
      .filter((s) => s.status !== 'completed')
      .map((s) => `${s.store} ${s.status} after ${s.attempts} attempts`)
      .join(', ');
    return { ok: false, reason: `request is ${view.status} (${open || 'no receipt'})`, view };
  }
  const verdict = verifyReceipt(view.receipt, publicKey);
  if (!verdict.ok) return { ok: false, reason: `receipt rejected: ${verdict.reason}`, view };
  const { rows } = await deps.pool.query<{ n: number }>(
    'select count(*)::int as n from public.prospects where id = $1',
    [view.prospectId],
  );
  if (rows[0]!.n !== 0) return { ok: false, reason: 'the prospect row is still there', view };
  return { ok: true, receipt: verdict.receipt, prospectRowsLeft: 0 };
}
