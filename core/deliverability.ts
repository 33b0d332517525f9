/**
 * Sending-domain health from bounce and complaint rates and DNS authentication, scored with
 * the thresholds of `docs/providers/email-deliverability.md` (derived from SES enforcement and the Gmail,
 * Yahoo and Microsoft sender rules):
 *
 * | signal          | green  | amber        | red                    |
 * |-----------------|--------|--------------|------------------------|
 * | complaint rate  | <0.08% | 0.08–0.1%    | ≥0.1% (≥0.3% critical) |
 * | bounce rate     | <2%    | 2–5%         | ≥5% (≥10% critical)    |
 * | SPF, DKIM, DMARC| pass   | DMARC missing| SPF or DKIM failing    |
 *
 * A rate is judged only when it means something statistically; otherwise the signal stays
 * green with a note (`insufficient-volume`, `too-few-events`):
 * - Complaints: over ≥ 1,000 sends (at the 0.1% red line that is one expected complaint) and
 *   at least 3 complaints. Complaints are rare Poisson events: a domain whose true rate is the
 *   green 0.08% gets 1 complaint in 1,000 sends 36% of the time and ≥ 3 only 5% of the time,
 *   so a single complaint is noise, not a 0.1–0.3% rate. (With 50 sends, one complaint read
 *   as 2% — "critical" — and a fresh seed paged for most domains.) Typical per-domain volume
 *   here (100–1,000 sends a week) means complaints are judged mostly over 7 days.
 * - Bounces: over ≥ 200 sends and at least 5 bounces: at 200 sends, 2% is 4 bounces, and a
 *   domain at a healthy 1% gets ≥ 5 bounces out of 200 only 5% of the time.
 */

export type Score = 'green' | 'amber' | 'red';

export const COMPLAINT_AMBER = 0.0008;
export const COMPLAINT_RED = 0.001;
export const COMPLAINT_CRITICAL = 0.003;
export const BOUNCE_AMBER = 0.02;
export const BOUNCE_RED = 0.05;
export const BOUNCE_CRITICAL = 0.1;
export const BOUNCE_MIN_SENT = 200;
export const BOUNCE_MIN_EVENTS = 5;
export const COMPLAINT_MIN_SENT = 1_000;
export const COMPLAINT_MIN_EVENTS = 3;

export interface WindowCounts {
  sent: number;
  bounces: number;
  complaints: number;
}

export interface DnsAuthResult {
  /** `pass`: a `v=spf1` TXT record exists; `fail`: none, or more than one (a permerror). */
  spf: 'pass' | 'fail' | 'unknown';
  /** `pass`: the selector's TXT has `v=DKIM1` and a public key. */
  dkim: 'pass' | 'fail' | 'unknown';
  /** `pass`: `_dmarc` TXT with `v=DMARC1` and a `p=` policy. */
  dmarc: 'pass' | 'fail' | 'unknown';
}

export interface SignalResult {
  /** e.g. `bounce-rate-24h`, `spf`. */
  signal: string;
  score: Score;
  critical: boolean;
  value: number | string | null;
  note?: string;
}

export interface DomainHealth {
  score: Score;
  /** Signals that made the score what it is (worst first). */
  failing: SignalResult[];
  signals: SignalResult[];
  /** A DNS answer could not be read: the score is a lower bound, not a verdict. */
  incomplete: boolean;
}

export function rate(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

export function scoreRate(
  signal: string,
  numerator: number,
  sent: number,
  minVolume: number,
  amber: number,
  red: number,
  critical: number,
  minEvents = 1,
): SignalResult {
  const value = rate(numerator, sent);
  if (value === null || sent < minVolume) {
    return { signal, score: 'green', critical: false, value, note: 'insufficient-volume' };
  }
  if (numerator < minEvents && value >= amber) {
    return { signal, score: 'green', critical: false, value, note: 'too-few-events' };
  }
  const score: Score = value >= red ? 'red' : value >= amber ? 'amber' : 'green';
  return { signal, score, critical: value >= critical, value };
}

export function scoreDomain(input: {
  last24h: WindowCounts;
  last7d: WindowCounts;
  dns: DnsAuthResult;
}): DomainHealth {
  const { last24h, last7d, dns } = input;
  const signals: SignalResult[] = [
    scoreRate(
      'bounce-rate-24h',
      last24h.bounces,
      last24h.sent,
      BOUNCE_MIN_SENT,
      BOUNCE_AMBER,
      BOUNCE_RED,
      BOUNCE_CRITICAL,
      BOUNCE_MIN_EVENTS,
    ),
    scoreRate(
      'bounce-rate-7d',
      last7d.bounces,
      last7d.sent,
      BOUNCE_MIN_SENT,
      BOUNCE_AMBER,
      BOUNCE_RED,
      BOUNCE_CRITICAL,
      BOUNCE_MIN_EVENTS,
    ),
    scoreRate(
      'complaint-rate-24h',
      last24h.complaints,
      last24h.sent,
      COMPLAINT_MIN_SENT,
      COMPLAINT_AMBER,
      COMPLAINT_RED,
      COMPLAINT_CRITICAL,
      COMPLAINT_MIN_EVENTS,
    ),
    scoreRate(
      'complaint-rate-7d',
      last7d.complaints,
      last7d.sent,
      COMPLAINT_MIN_SENT,
      COMPLAINT_AMBER,
      COMPLAINT_RED,
      COMPLAINT_CRITICAL,
      COMPLAINT_MIN_EVENTS,
    ),
    authSignal('spf', dns.spf, 'red'),
    authSignal('dkim', dns.dkim, 'red'),
    authSignal('dmarc', dns.dmarc, 'amber'),
  ];
  const rank: Record<Score, number> = { green: 0, amber: 1, red: 2 };
  const score = signals.reduce<Score>(
    (worst, s) => (rank[s.score] > rank[worst] ? s.score : worst),
    'green',
  );
  const failing = signals
    .filter((s) => s.score !== 'green')
    .sort((a, b) => rank[b.score] - rank[a.score] || Number(b.critical) - Number(a.critical));
  const incomplete = [dns.spf, dns.dkim, dns.dmarc].includes('unknown');
  return { score, failing, signals, incomplete };
}

function authSignal(
  signal: string,
  result: DnsAuthResult['spf'],
  whenFailing: Score,
): SignalResult {
  if (result === 'unknown')
    return { signal, score: 'green', critical: false, value: 'unknown', note: 'dns-unread' };
  return {
    signal,
    score: result === 'pass' ? 'green' : whenFailing,
    critical: false,
    value: result,
  };
}

/** Classifies TXT answers (each record's strings already joined). */
export function checkSpf(records: readonly string[]): 'pass' | 'fail' {
  const spf = records.filter((r) => /^v=spf1(\s|$)/i.test(r.trim()));
  return spf.length === 1 ? 'pass' : 'fail';
}

/** A 1024-bit RSA public key is ~216 base64 characters; shorter keys fail the Gmail rule. */
export function checkDkim(records: readonly string[]): 'pass' | 'fail' {
  return records.some(
    (r) => /(^|;)\s*v=DKIM1\b/i.test(r) && /(^|;)\s*p=[A-Za-z0-9+/=]{200,}/.test(r),
  )
    ? 'pass'
    : 'fail';
}

export function checkDmarc(records: readonly string[]): 'pass' | 'fail' {
  return records.some(
    (r) => /^v=DMARC1\s*;/i.test(r.trim()) && /;\s*p=(none|quarantine|reject)\b/i.test(r),
  )
    ? 'pass'
    : 'fail';
}

export function scoreLevel(score: Score): number {
  return score === 'green' ? 0 : score === 'amber' ? 1 : 2;
}
