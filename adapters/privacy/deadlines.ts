import { VigieError } from '../../core/errors.ts';
import {
  type Art12Deadline,
  type DeadlineState,
  art12Deadline,
  deadlineState,
} from '../../core/privacy/deadlines.ts';
import { type Pool, withTransaction } from '../postgres/pool.ts';

/**
 * Open data-subject requests with their Art. 12 deadline (core/privacy/deadlines.ts).
 * Only erasure requests can stay open: an export is answered at once, streamed, so it never
 * waits on a deadline.
 */

export interface OpenRequest {
  kind: 'erasure';
  id: string;
  userId: string;
  prospectId: string;
  status: string;
  receivedAt: string;
  deadline: Art12Deadline;
  state: DeadlineState;
  extensionReason: string | null;
}

export async function listOpenRequests(
  pool: Pick<Pool, 'query'>,
  now: Date,
): Promise<OpenRequest[]> {
  const { rows } = await pool.query<{
    id: string;
    user_id: string;
    prospect_id: string;
    status: string;
    requested_at: Date;
    extension_reason: string | null;
  }>(
    `select id, user_id, prospect_id, status, requested_at, extension_reason
       from public.erasure_requests where status <> 'completed'`,
  );
  return rows
    .map((r) => {
      const deadline = art12Deadline(r.requested_at, { extended: r.extension_reason !== null });
      return {
        kind: 'erasure' as const,
        id: r.id,
        userId: r.user_id,
        prospectId: r.prospect_id,
        status: r.status,
        receivedAt: r.requested_at.toISOString(),
        deadline,
        state: deadlineState(deadline, now),
        extensionReason: r.extension_reason,
      };
    })
    .sort(
      (a, b) => a.deadline.dueAt.getTime() - b.deadline.dueAt.getTime() || a.id.localeCompare(b.id),
    );
}

/**
 * Art. 12(3) extension by two months: allowed once, while the first month is still running
 * (the person must be told within it). Moves `due_at`, so the overdue alert follows.
 */
export async function extendDeadline(
  pool: Pool,
  input: { requestId: string; reason: string; now: Date },
): Promise<Art12Deadline> {
  if (!/^[a-z][a-z0-9_-]{0,63}$/.test(input.reason)) {
    throw new VigieError(
      'BAD_REQUEST',
      `--reason must be a short lowercase slug such as complex_request (got ${JSON.stringify(input.reason.slice(0, 64))}).`,
    );
  }
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{
      user_id: string;
      prospect_id: string;
      status: string;
      requested_at: Date;
      extension_reason: string | null;
    }>(
      `select user_id, prospect_id, status, requested_at, extension_reason
         from public.erasure_requests where id = $1 for update`,
      [input.requestId],
    );
    const row = rows[0];
    if (row === undefined) {
      throw new VigieError('NOT_FOUND', `No erasure request ${input.requestId}.`);
    }
    if (row.status === 'completed') {
      throw new VigieError('CONFLICT', `Erasure request ${input.requestId} is already completed.`);
    }
    if (row.extension_reason !== null) {
      throw new VigieError('CONFLICT', `Erasure request ${input.requestId} was already extended.`);
    }
    const first = art12Deadline(row.requested_at);
    if (input.now.getTime() > first.dueAt.getTime()) {
      throw new VigieError(
        'CONFLICT',
        `Too late to extend erasure request ${input.requestId}: the first month ended on ${first.dueOn}, and Art. 12(3) requires telling the person within it.`,
      );
    }
    const extended = art12Deadline(row.requested_at, { extended: true });
    await client.query(
      `update public.erasure_requests
          set deadline_extended_at = $2, extension_reason = $3, due_at = $4
        where id = $1`,
      [input.requestId, input.now, input.reason, extended.dueAt],
    );
    await client.query(`select public.audit_append($1, 'deadline_extend', $2, $3, $4, 'cli')`, [
      row.user_id,
      row.prospect_id,
      input.now,
      input.requestId,
    ]);
    return extended;
  });
}
