import * as z from 'zod';
import { VigieError } from '../../core/errors.ts';
import type { Pool, Queryable } from '../postgres/pool.ts';
import { withTransaction } from '../postgres/pool.ts';
import { auditAction } from './audit.ts';

import { CALENDAR_COLUMNS as COLUMNS, type CalendarRow } from '../postgres/calendar-connections.ts';

export { calendarProblem, type CalendarRow } from '../postgres/calendar-connections.ts';

export function checkUuid(value: string, what: string): string {
  if (!z.uuid().safeParse(value).success) {
    throw new VigieError('BAD_REQUEST', `${what} must be a UUID (got "${value.slice(0, 60)}").`);
  }
  return value;
}

export async function userCalendars(db: Queryable, userId: string): Promise<CalendarRow[]> {
  checkUuid(userId, 'The user id');
  const { rows } = await db.query<CalendarRow>(
    `select ${COLUMNS} from public.calendar_connections where user_id = $1 order by provider`,
    [userId],
  );
  return rows;
}

/**
 * Revokes a broken calendar connection and records that the user was asked to reconnect: the
 * tokens are dropped (nothing left to leak or retry), the status is `revoked`. Idempotent: a
 * connection already revoked with a reconnect request is left as it is (`changed` false).
 */
export async function revokeCalendar(
  pool: Pool,
  connectionId: string,
  now: Date,
): Promise<{ connection: CalendarRow; changed: boolean }> {
  checkUuid(connectionId, 'The calendar connection id');
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<CalendarRow>(
      `select ${COLUMNS} from public.calendar_connections where id = $1 for update`,
      [connectionId],
    );
    const row = rows[0];
    if (!row) throw new VigieError('NOT_FOUND', `No calendar connection ${connectionId}.`);
    if (row.status === 'revoked' && row.reconnect_requested_at !== null) {
      return { connection: row, changed: false };
    }
    const { rows: updated } = await client.query<CalendarRow>(
      `update public.calendar_connections
          set status = 'revoked', access_token_encrypted = null, refresh_token_encrypted = null,
              reconnect_requested_at = $2
        where id = $1 returning ${COLUMNS}`,
      [connectionId, now],
    );
    await auditAction(client, {
      action: 'runbook.calendar_revoke',
      userId: row.user_id,
      subject: `calendar:${row.id}`,
      at: now,
    });
    return { connection: updated[0]!, changed: true };
  });
}

/** The user's sign-in email, to ask them to reconnect (never logged or put in alerts). */
export async function userEmail(db: Queryable, userId: string): Promise<string | null> {
  const { rows } = await db.query<{ email: string | null }>(
    'select email from auth.users where id = $1',
    [userId],
  );
  return rows[0]?.email ?? null;
}
