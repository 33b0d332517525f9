import { type CalendarProblem, judgeCalendar } from '../../core/onboarding.ts';
import type { Queryable } from './pool.ts';

/**
 * Calendar connections as stored, and the one check of them: the onboarding collector and
 * `vigie diag calendar` (through `adapters/ops/calendar.ts`) both read and judge them here, so
 * they always agree. In the postgres adapters so the onboarding Lambda bundle stays small.
 */
export interface CalendarRow {
  id: string;
  user_id: string;
  provider: 'google' | 'microsoft';
  status: 'active' | 'expired' | 'revoked' | 'error';
  token_expires_at: Date | null;
  scopes: string[];
  refresh_failures: number;
  has_refresh: boolean;
  reconnect_requested_at: Date | null;
  last_synced_at: Date | null;
}

export const CALENDAR_COLUMNS = `id, user_id, provider, status, token_expires_at, scopes, refresh_failures,
  refresh_token_encrypted is not null as has_refresh, reconnect_requested_at, last_synced_at`;

/**
 * What is wrong with one stored connection (null when it works): the one calendar check, used
 * by the onboarding collector and by `vigie diag calendar`, so both always agree.
 */
export function calendarProblem(row: CalendarRow, now: Date): CalendarProblem | null {
  return judgeCalendar(
    {
      provider: row.provider,
      status: row.status,
      tokenExpiresAt: row.token_expires_at,
      scopes: row.scopes,
      refreshFailures: row.refresh_failures,
      hasRefreshToken: row.has_refresh,
      reconnectRequestedAt: row.reconnect_requested_at,
    },
    now,
  );
}

/**
 * Connections that may be broken, for the onboarding collector: a cheap pre-filter in SQL
 * (not active, refresh failing, expiring, or without the required scopes); `calendarProblem`
 * decides. Google's scope may be stored short or full.
 */
export async function suspectCalendars(
  db: Queryable,
  now: Date,
  limit = 1000,
): Promise<CalendarRow[]> {
  const { rows } = await db.query<CalendarRow>(
    `select ${CALENDAR_COLUMNS} from public.calendar_connections
      where status <> 'active' or refresh_failures > 0 or token_expires_at <= $1
         or not (scopes @> $2::text[] or scopes @> $3::text[] or scopes @> $4::text[])
      order by id limit $5`,
    [
      now,
      ['calendar.events'],
      ['https://www.googleapis.com/auth/calendar.events'],
      ['Calendars.ReadWrite', 'offline_access'],
      limit,
    ],
  );
  return rows;
}
