import { checkDomainRecords } from '../../adapters/dns/domain-records.ts';
import type { DnsLookup } from '../../adapters/dns/records.ts';
import {
  calendarProblem,
  type CalendarRow,
  suspectCalendars,
} from '../../adapters/postgres/calendar-connections.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import {
  type CalendarProblem,
  type DomainRecord,
  judgeDomain,
  missingLabel,
  type RecordCheck,
} from '../../core/onboarding.ts';
import {
  finish,
  raiseAndRecord,
  round,
  type RaiseAlert,
  type TickBase,
  type Unread,
  unreadFrom,
} from '../shared/tick.ts';

/**
 * Onboarding: sending domains still unverified past the grace period (SPF, DKIM, DMARC, MX,
 * tracking CNAME through the configurable resolver) and calendar connections that stopped
 * working (revoked, expired without a refresh token, missing scopes, refreshes failing). Each
 * run also records what it found on the domain row (`*_status`, `verification_checked_at`) and
 * marks a domain verified once all five records pass, as the app's "verify" button would.
 */
export interface OnboardingDeps {
  db: Queryable;
  raise: RaiseAlert;
  dns: DnsLookup;
  dkimSelectors: readonly string[];
  tracking: { host: string; target: string };
  graceHours?: number;
}

export interface DomainFinding {
  sendingDomainId: string;
  domain: string;
  checks: Record<DomainRecord, RecordCheck>;
  missing: DomainRecord[];
  hoursSinceAdded: number;
  stuck: boolean;
  verifiedNow: boolean;
}

export interface CalendarFinding {
  calendarConnectionId: string;
  userId: string;
  provider: string;
  problem: CalendarProblem;
  awaitingReconnect: boolean;
}

export interface OnboardingSummary extends TickBase {
  domains: DomainFinding[];
  calendars: CalendarFinding[];
}

interface DomainRow {
  id: string;
  domain: string;
  created_at: Date;
}

const MAX_DNS_FAILURES = 3;
const statusOf = { pass: 'valid', fail: 'invalid' } as const;

export async function run(deps: OnboardingDeps, now: Date): Promise<OnboardingSummary> {
  const summary: OnboardingSummary = {
    collector: 'onboarding',
    at: now.toISOString(),
    status: 'ok',
    unread: [],
    alertsRaised: [],
    metrics: [],
    domains: [],
    calendars: [],
  };
  await checkDomains(deps, summary, now);
  await checkCalendars(deps, summary, now);
  return finish(deps, summary, now);
}

async function checkDomains(deps: OnboardingDeps, summary: OnboardingSummary, now: Date) {
  let rows: DomainRow[];
  try {
    rows = (
      await deps.db.query<DomainRow>(
        `select id, domain, created_at from public.sending_domains
          where verified_at is null and created_at <= $1
          order by created_at, id limit 500`,
        [now],
      )
    ).rows;
  } catch (error) {
    summary.unread.push(unreadFrom('postgres.sending_domains', error));
    return;
  }
  const failures: Unread[] = [];
  let stuck = 0;
  for (const row of rows) {
    const checks = await checkDomainRecords(deps, row.domain, {
      // A dead resolver would cost every lookup its timeout: after a few failures, stop asking.
      onError: (error) => void failures.push(unreadFrom('dns', error)),
      giveUp: () => failures.length >= MAX_DNS_FAILURES,
    });
    const verdict = judgeDomain(checks, row.created_at, now, deps.graceHours);
    const finding: DomainFinding = {
      sendingDomainId: row.id,
      domain: row.domain,
      checks,
      missing: verdict.missing,
      hoursSinceAdded: round(verdict.hoursSinceAdded, 1),
      stuck: verdict.stuck,
      verifiedNow: false,
    };
    try {
      finding.verifiedNow = await recordChecks(deps.db, row.id, checks, verdict.verified, now);
    } catch (error) {
      summary.unread.push(unreadFrom('postgres.sending_domains', error));
    }
    summary.domains.push(finding);
    if (verdict.stuck) {
      stuck += 1;
      await raiseAndRecord(
        deps,
        summary.alertsRaised,
        'onboarding-domain-unverified',
        {
          sendingDomainId: row.id,
          domain: row.domain,
          missing: missingLabel(verdict.missing),
          hours: Math.floor(verdict.hoursSinceAdded),
        },
        now,
      );
    }
  }
  if (failures[0])
    summary.unread.push({
      ...failures[0],
      message: `${failures.length} DNS lookups failed; first: ${failures[0].message}`,
    });
  summary.metrics.push(
    { name: 'vigie_onboarding_domains_unverified', value: rows.length, labels: { state: 'all' } },
    { name: 'vigie_onboarding_domains_unverified', value: stuck, labels: { state: 'stuck' } },
  );
}

/** Writes each record's status; sets `verified_at` when all pass. True when it verified now. */
async function recordChecks(
  db: Queryable,
  id: string,
  checks: Record<DomainRecord, RecordCheck>,
  verified: boolean,
  now: Date,
): Promise<boolean> {
  const status = (r: DomainRecord) => (checks[r] === 'unknown' ? null : statusOf[checks[r]]);
  const { rowCount } = await db.query(
    `update public.sending_domains
        set spf_status = coalesce($2, spf_status), dkim_status = coalesce($3, dkim_status),
            dmarc_status = coalesce($4, dmarc_status), mx_status = coalesce($5, mx_status),
            tracking_status = coalesce($6, tracking_status), verification_checked_at = $7,
            verified_at = case when $8 then $7 else verified_at end
      where id = $1 and verified_at is null`,
    [
      id,
      status('spf'),
      status('dkim'),
      status('dmarc'),
      status('mx'),
      status('tracking'),
      now,
      verified,
    ],
  );
  return verified && (rowCount ?? 0) > 0;
}

async function checkCalendars(deps: OnboardingDeps, summary: OnboardingSummary, now: Date) {
  let rows: CalendarRow[];
  try {
    rows = await suspectCalendars(deps.db, now);
  } catch (error) {
    summary.unread.push(unreadFrom('postgres.calendar_connections', error));
    return;
  }
  const byProblem: Record<string, number> = {};
  let awaiting = 0;
  for (const row of rows) {
    const problem = calendarProblem(row, now);
    if (problem === null) continue;
    // Asked to reconnect: it is the user's move now; counted, not paged again.
    const awaitingReconnect = row.reconnect_requested_at !== null;
    summary.calendars.push({
      calendarConnectionId: row.id,
      userId: row.user_id,
      provider: row.provider,
      problem,
      awaitingReconnect,
    });
    if (awaitingReconnect) {
      awaiting += 1;
      continue;
    }
    byProblem[problem] = (byProblem[problem] ?? 0) + 1;
    await raiseAndRecord(
      deps,
      summary.alertsRaised,
      'onboarding-calendar-failing',
      { calendarConnectionId: row.id, userId: row.user_id, provider: row.provider, problem },
      now,
    );
  }
  for (const problem of ['token_revoked', 'token_expired', 'missing_scopes', 'refresh_failing']) {
    summary.metrics.push({
      name: 'vigie_onboarding_calendar_failing',
      value: byProblem[problem] ?? 0,
      labels: { problem },
    });
  }
  summary.metrics.push({
    name: 'vigie_onboarding_calendar_failing',
    value: awaiting,
    labels: { problem: 'awaiting_reconnect' },
  });
}
