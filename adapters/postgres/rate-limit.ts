import type { Queryable } from './pool.ts';

/**
 * Fixed-window request counters per user and action, in Postgres (`rate_limit_windows`, created
 * with the erasure tables). Postgres rather than Redis: every Lambda instance shares it, it is
 * already on the request path of the routes it guards (erase, export) and needs no extra
 * client; one upsert per request costs well under a millisecond.
 */
export interface RateLimitRule {
  /** Slug naming the action, e.g. `export`, `erase`. */
  action: string;
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Hits in the current window, this one included. */
  hits: number;
  limit: number;
  /** Whole seconds until the window resets (for `Retry-After`). */
  retryAfterSeconds: number;
  windowStart: Date;
}

/** Counts one request and says whether it is within the limit. */
export async function hitRateLimit(
  db: Queryable,
  rule: RateLimitRule,
  userId: string,
  now: Date,
): Promise<RateLimitDecision> {
  if (!Number.isInteger(rule.limit) || rule.limit < 1) {
    throw new RangeError(`rate limit for ${rule.action} must be a positive integer`);
  }
  if (!Number.isInteger(rule.windowSeconds) || rule.windowSeconds < 1) {
    throw new RangeError(`rate limit window for ${rule.action} must be a positive integer`);
  }
  const windowMs = rule.windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  // Older windows of the same user and action are dropped on the way (same index prefix), so
  // the table holds at most one row per user and action.
  const { rows } = await db.query<{ hits: number }>(
    `with purge as (
       delete from public.rate_limit_windows
        where user_id = $1 and action = $2 and window_start < $3
     )
     insert into public.rate_limit_windows (user_id, action, window_start, hits)
     values ($1, $2, $3, 1)
     on conflict (user_id, action, window_start)
       do update set hits = public.rate_limit_windows.hits + 1
     returning hits`,
    [userId, rule.action, windowStart],
  );
  const hits = Number(rows[0]?.hits ?? 1);
  const retryAfterSeconds = Math.max(
    1,
    Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000),
  );
  return { allowed: hits <= rule.limit, hits, limit: rule.limit, retryAfterSeconds, windowStart };
}
