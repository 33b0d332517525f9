import { createHash } from 'node:crypto';

/**
 * The app's Redis (Upstash) key layout, defined once. Every key that holds a prospect's data
 * can be named from the prospect's id (and, for the dedup key, its LinkedIn URL, which the
 * erasure reads from Postgres before deleting), so erasure never scans the keyspace.
 *
 * | key | type | holds | found from |
 * |---|---|---|---|
 * | `app:email:queue` | ZSET | email job ids scored by due time (epoch ms) | — |
 * | `app:email:job:{jobId}` | HASH | `user_id`, `prospect_id`, `campaign_id`, `to`, `subject`, `body`, `due_at` | `app:prospect:{id}:email-jobs` |
 * | `app:prospect:{id}:email-jobs` | SET | the prospect's job ids | prospect id |
 * | `app:enrich:{id}` | STRING (JSON) | Claude enrichment of the prospect, TTL 30 days | prospect id |
 * | `app:dedup:linkedin:{sha256(url)}` | STRING | prospect id, so a re-scrape finds the existing row | prospect's LinkedIn URL |
 * | `app:ratelimit:{userId}:{window}` | STRING | counter, no prospect data | — |
 * | `app:claude:limiter` | HASH | the org's Claude buckets mirrored for every instance: `rc`/`rl`, `ic`/`il`, `oc`/`ol` (capacity/level of requests, input, output tokens), `at` (Redis ms), `probe` (lease), expires when idle | — |
 * | `app:claude:limiter:pause` | STRING | Redis ms until which no instance sends (retry-after), expires then | — |
 */
export const redisKeys = {
  emailQueue: 'app:email:queue',
  emailJob: (jobId: string) => `app:email:job:${jobId}`,
  prospectEmailJobs: (prospectId: string) => `app:prospect:${prospectId}:email-jobs`,
  enrichment: (prospectId: string) => `app:enrich:${prospectId}`,
  linkedinDedup: (linkedinUrl: string) =>
    `app:dedup:linkedin:${sha256(normalizeLinkedinUrl(linkedinUrl))}`,
  rateLimit: (userId: string, window: string) => `app:ratelimit:${userId}:${window}`,
  claudeLimiter: 'app:claude:limiter',
  claudeLimiterPause: 'app:claude:limiter:pause',
} as const;

/** Enrichment results are cached for 30 days. */
export const ENRICHMENT_TTL_SECONDS = 30 * 24 * 3600;

/**
 * The keys that hold a prospect's own data, named without reading Redis. Email jobs are
 * found one step later, through the members of `jobIndex`.
 */
export function prospectKeys(prospect: { id: string; linkedinUrl?: string | null }): {
  direct: string[];
  jobIndex: string;
} {
  const direct = [redisKeys.enrichment(prospect.id), redisKeys.prospectEmailJobs(prospect.id)];
  if (prospect.linkedinUrl) direct.push(redisKeys.linkedinDedup(prospect.linkedinUrl));
  return { direct, jobIndex: redisKeys.prospectEmailJobs(prospect.id) };
}

/** `https://www.LinkedIn.com/in/jane-doe/?utm=x` and `linkedin.com/in/jane-doe` are one person. */
export function normalizeLinkedinUrl(url: string): string {
  const trimmed = url
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '');
  return trimmed.replace(/[?#].*$/, '').replace(/\/+$/, '');
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
