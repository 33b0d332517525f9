import type { Queryable } from '../postgres/pool.ts';

/** What `vigie alerts outbox` shows: counts per state, email and dead letters, recent rows. */
export interface OutboxSummary {
  counts: Record<'pending' | 'sent' | 'dead' | 'suppressed', number>;
  emailPending: number;
  deadLetters: number;
  /** Pending Slack messages already due (late: Slack down, rate-limited or dead webhook). */
  overdue: number;
  channels: Array<{
    channel: string;
    deadCode: string | null;
    failures: number;
    nextSendAt: string;
    lastProbeAt: string | null;
    lastProbeOk: boolean | null;
  }>;
  recent: Array<{
    id: number;
    alertId: string;
    dedupKey: string;
    severity: string;
    state: string;
    occurrences: number;
    lastRaisedAt: string;
    nextAttemptAt: string | null;
    attempts: number;
    lastError: string | null;
  }>;
}

export async function outboxSummary(
  db: Queryable,
  options: { now: Date; limit?: number },
): Promise<OutboxSummary> {
  const counts = { pending: 0, sent: 0, dead: 0, suppressed: 0 };
  const byState = await db.query<{ state: keyof typeof counts; n: number }>(
    `select state, count(*)::int as n from alert_outbox group by state`,
  );
  for (const row of byState.rows) counts[row.state] = row.n;
  const totals = await db.query<{ email_pending: number; dead_letters: number; overdue: number }>(
    `select
       (select count(*)::int from alert_outbox where email_state = 'pending') as email_pending,
       (select count(*)::int from alert_dead_letters) as dead_letters,
       (select count(*)::int from alert_outbox where state = 'pending' and next_attempt_at <= $1) as overdue`,
    [options.now],
  );
  const channels = await db.query(
    `select channel, dead_code, failures, next_send_at, last_probe_at, last_probe_ok
       from alert_channels order by channel`,
  );
  const recent = await db.query(
    `select id, alert_id, dedup_key, severity, state, occurrences, last_raised_at,
            next_attempt_at, attempts, last_error
       from alert_outbox order by last_raised_at desc, id desc limit $1`,
    [options.limit ?? 20],
  );
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    counts,
    emailPending: totals.rows[0]?.email_pending ?? 0,
    deadLetters: totals.rows[0]?.dead_letters ?? 0,
    overdue: totals.rows[0]?.overdue ?? 0,
    channels: channels.rows.map((r) => ({
      channel: r.channel,
      deadCode: r.dead_code,
      failures: r.failures,
      nextSendAt: r.next_send_at.toISOString(),
      lastProbeAt: iso(r.last_probe_at),
      lastProbeOk: r.last_probe_ok,
    })),
    recent: recent.rows.map((r) => ({
      id: r.id,
      alertId: r.alert_id,
      dedupKey: r.dedup_key,
      severity: r.severity,
      state: r.state,
      occurrences: r.occurrences,
      lastRaisedAt: r.last_raised_at.toISOString(),
      nextAttemptAt: iso(r.next_attempt_at),
      attempts: r.attempts,
      lastError: r.last_error,
    })),
  };
}
