/**
 * Onboarding health: a customer's sending domain that is still not verified some hours after it
 * was added, and calendar connections that stopped working. Pure: the collector
 * (`collectors/onboarding/run.ts`) reads the rows and DNS, this decides what is wrong.
 *
 * A sending domain is verified when five DNS records are in place (docs/onboarding-checks.md):
 * SPF (`v=spf1` TXT at the domain), DKIM (`v=DKIM1` TXT at `<selector>._domainkey`), DMARC
 * (`v=DMARC1` TXT with `p=` at `_dmarc`), MX (at least one exchange, so bounces come back) and
 * the tracking CNAME (`<TRACKING_CNAME_HOST>.<domain>` → `TRACKING_CNAME_TARGET`).
 */

export const DOMAIN_RECORDS = ['spf', 'dkim', 'dmarc', 'mx', 'tracking'] as const;
export type DomainRecord = (typeof DOMAIN_RECORDS)[number];
export type RecordCheck = 'pass' | 'fail' | 'unknown';

/** Hours after a domain is added before "still unverified" pages: DNS changes take a while. */
export const DOMAIN_VERIFY_GRACE_HOURS = 24;
/** Consecutive failed token refreshes before a connection counts as failing. */
export const CALENDAR_REFRESH_FAILURES = 3;

/**
 * Scopes the app needs per provider. Google: `calendar.events` (read and write events,
 * developers.google.com/calendar/api/auth); Microsoft Graph: `Calendars.ReadWrite` plus
 * `offline_access` for a refresh token (learn.microsoft.com/graph/permissions-reference).
 */
export const REQUIRED_SCOPES: Record<'google' | 'microsoft', readonly string[]> = {
  google: ['https://www.googleapis.com/auth/calendar.events'],
  microsoft: ['Calendars.ReadWrite', 'offline_access'],
};

export interface DomainVerdict {
  /** Records whose check failed (an unknown answer is not counted as missing). */
  missing: DomainRecord[];
  /** Some answer could not be read: the verdict is incomplete. */
  incomplete: boolean;
  /** Every record passes: the domain can be marked verified. */
  verified: boolean;
  /** Unverified past the grace period. */
  stuck: boolean;
  hoursSinceAdded: number;
}

export function judgeDomain(
  checks: Record<DomainRecord, RecordCheck>,
  addedAt: Date,
  now: Date,
  graceHours = DOMAIN_VERIFY_GRACE_HOURS,
): DomainVerdict {
  const missing = DOMAIN_RECORDS.filter((r) => checks[r] === 'fail');
  const incomplete = DOMAIN_RECORDS.some((r) => checks[r] === 'unknown');
  const verified = DOMAIN_RECORDS.every((r) => checks[r] === 'pass');
  const hoursSinceAdded = Math.max(0, (now.getTime() - addedAt.getTime()) / 3_600_000);
  return {
    missing,
    incomplete,
    verified,
    stuck: missing.length > 0 && hoursSinceAdded >= graceHours,
    hoursSinceAdded,
  };
}

/** `spf:dkim`: an alert label value (ids and codes only, no commas). */
export function missingLabel(missing: readonly DomainRecord[]): string {
  return missing.join(':');
}

export function checkSpfRecords(records: readonly string[]): RecordCheck {
  // More than one SPF record is a permerror (RFC 7208 §4.5): as bad as none.
  return records.filter((r) => /^v=spf1(\s|$)/i.test(r.trim())).length === 1 ? 'pass' : 'fail';
}

export function checkDkimRecords(records: readonly string[]): RecordCheck {
  return records.some(
    (r) => /(^|;)\s*v=DKIM1\s*(;|$)/i.test(r) && /(^|;)\s*p=[A-Za-z0-9+/=]{16,}/.test(r),
  )
    ? 'pass'
    : 'fail';
}

export function checkDmarcRecords(records: readonly string[]): RecordCheck {
  return records.some(
    (r) => /^v=DMARC1\s*;/i.test(r.trim()) && /(^|;)\s*p=(none|quarantine|reject)\b/i.test(r),
  )
    ? 'pass'
    : 'fail';
}

export function checkMxRecords(records: readonly { exchange: string }[]): RecordCheck {
  // A null MX (RFC 7505: a single "." exchange) says the domain receives no mail: bounces lost.
  return records.some((r) => r.exchange !== '' && r.exchange !== '.') ? 'pass' : 'fail';
}

export function checkTrackingCname(targets: readonly string[], expected: string): RecordCheck {
  const norm = (s: string) => s.toLowerCase().replace(/\.$/, '');
  return targets.some((t) => norm(t) === norm(expected)) ? 'pass' : 'fail';
}

export type CalendarProblem =
  'token_revoked' | 'token_expired' | 'missing_scopes' | 'refresh_failing';

export interface CalendarRow {
  provider: 'google' | 'microsoft';
  status: 'active' | 'expired' | 'revoked' | 'error';
  tokenExpiresAt: Date | null;
  scopes: readonly string[];
  refreshFailures: number;
  hasRefreshToken: boolean;
  /** Set by `vigie calendar revoke`: the user was asked to reconnect; their turn, not ours. */
  reconnectRequestedAt: Date | null;
}

/**
 * What is wrong with a calendar connection, worst first, or null when it works. An access
 * token past its expiry is normal while a refresh token exists (the app refreshes on use);
 * without one, or after repeated refresh failures, the connection is broken.
 */
export function judgeCalendar(row: CalendarRow, now: Date): CalendarProblem | null {
  if (row.status === 'revoked') return 'token_revoked';
  const missingScopes = REQUIRED_SCOPES[row.provider].some((s) => !hasScope(row.scopes, s));
  if (row.refreshFailures >= CALENDAR_REFRESH_FAILURES || row.status === 'error')
    return 'refresh_failing';
  const expired =
    row.status === 'expired' ||
    (row.tokenExpiresAt !== null && row.tokenExpiresAt <= now && !row.hasRefreshToken);
  if (expired) return 'token_expired';
  if (missingScopes) return 'missing_scopes';
  return null;
}

/** Google's scopes are URLs; the app may store the short form (`calendar.events`). */
export function hasScope(granted: readonly string[], required: string): boolean {
  return granted.some((g) => g === required || required.endsWith(`/auth/${g}`));
}
