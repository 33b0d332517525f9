/**
 * Sending-domain health from bounce and complaint rates and DNS authentication, scored with
 * the thresholds of `reference/providers.md` §7 (derived from SES enforcement and the Gmail,
 * Yahoo and Microsoft sender rules):
 *
 * | signal          | green  | amber        | red                    |
 * |-----------------|--------|--------------|------------------------|
 * | complaint rate  | <0.08% | 0.08–0.1%    | ≥0.1% (≥0.3% critical) |
 * | bounce rate     | <2%    | 2–5%         | ≥5% (≥10% critical)    |
 * | SPF, DKIM, DMARC| pass   | DMARC missing| SPF or DKIM failing    |
 *
 * A rate over fewer than `minVolume` sent messages is not judged (one bounce in ten mails is
 * not a 10% bounce rate); the signal reports `insufficient-volume` instead.
 */

export type Score = 'green' | 'amber' | 'red';

export const COMPLAINT_AMBER = 0.0008;
export const COMPLAINT_RED = 0.001;
export const COMPLAINT_CRITICAL = 0.003;
export const BOUNCE_AMBER = 0.02;
export const BOUNCE_RED = 0.05;
export const BOUNCE_CRITICAL = 0.1;
export const MIN_VOLUME_24H = 50;
export const MIN_VOLUME_7D = 200;

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
): SignalResult {
  const value = rate(numerator, sent);
  if (value === null || sent < minVolume) {
    return { signal, score: 'green', critical: false, value, note: 'insufficient-volume' };
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
      MIN_VOLUME_24H,
      BOUNCE_AMBER,
      BOUNCE_RED,
      BOUNCE_CRITICAL,
    ),
    scoreRate(
      'bounce-rate-7d',
      last7d.bounces,
      last7d.sent,
      MIN_VOLUME_7D,
      BOUNCE_AMBER,
      BOUNCE_RED,
      BOUNCE_CRITICAL,
    ),
    scoreRate(
      'complaint-rate-24h',
      last24h.complaints,
      last24h.sent,
      MIN_VOLUME_24H,
      COMPLAINT_AMBER,
      COMPLAINT_RED,
      COMPLAINT_CRITICAL,
    ),
    scoreRate(
      'complaint-rate-7d',
      last7d.complaints,
      last7d.sent,
      MIN_VOLUME_7D,
      COMPLAINT_AMBER,
      COMPLAINT_RED,
      COMPLAINT_CRITICAL,
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
