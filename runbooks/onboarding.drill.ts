import type { Drill } from './drills/types.ts';

/** A user revokes calendar access at the provider → the runbook revokes and asks to reconnect. */
export const drill: Drill = {
  runbook: 'onboarding',
  alert: 'onboarding-calendar-failing',
  collector: 'onboarding',
  fault: 'calendar token revoked at the provider (refresh answers invalid_grant)',
  deployedStaging: true,
  async target(env) {
    const { rows } = await env.pool.query<{ id: string }>(
      `select id from public.calendar_connections
        where status = 'active' and refresh_failures = 0 and reconnect_requested_at is null
          and refresh_token_encrypted is not null
        order by id limit 1`,
    );
    if (!rows[0]) throw new Error('no working calendar connection to drill on');
    return { connection: rows[0].id };
  },
  inject: (t) => ({ standIn: 'calendar', mode: 'revoke', args: { connection: t.connection! } }),
  matches: (labels, t) => labels.calendarConnectionId === t.connection,
};
