import type { MiddlewareHandler } from 'hono';
import { type RateLimitRule, hitRateLimit } from '../../adapters/postgres/rate-limit.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import { VigieError } from '../../core/errors.ts';
import type { AuthVariables } from './auth.ts';

export type { RateLimitRule } from '../../adapters/postgres/rate-limit.ts';

/** Limits of the privacy API, per user. Exports are heavy (a full scan of the user's data). */
export const rateLimits = {
  export: { action: 'export', limit: 5, windowSeconds: 3600 },
  erase: { action: 'erase', limit: 120, windowSeconds: 60 },
} as const satisfies Record<string, RateLimitRule>;

export interface RateLimitDeps {
  db: Queryable;
  /** Injected by tests to compress time. */
  now?: () => Date;
}

/**
 * Per-user fixed-window limit; mount after `requireUser`. Over the limit → `RATE_LIMITED`,
 * which `api/errors.ts` maps to 429 with `Retry-After`. Also sets `RateLimit-Limit` /
 * `RateLimit-Remaining` on allowed responses.
 */
export function rateLimit(
  deps: RateLimitDeps,
  rule: RateLimitRule,
): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const userId = c.get('userId');
    const decision = await hitRateLimit(deps.db, rule, userId, deps.now?.() ?? new Date());
    if (!decision.allowed) {
      throw new VigieError(
        'RATE_LIMITED',
        `Too many ${rule.action} requests: at most ${rule.limit} per ${rule.windowSeconds} s. Retry after ${decision.retryAfterSeconds} s.`,
        { details: { retryAfterSeconds: decision.retryAfterSeconds, limit: rule.limit } },
      );
    }
    c.header('RateLimit-Limit', String(rule.limit));
    c.header('RateLimit-Remaining', String(Math.max(0, rule.limit - decision.hits)));
    await next();
  };
}
