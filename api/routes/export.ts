import { Hono } from 'hono';
import type { SupabaseJwtVerifier } from '../../adapters/supabase-auth/index.ts';
import type { Pool } from '../../adapters/postgres/pool.ts';
import { exportUserData } from '../../adapters/privacy/export.ts';
import type { Config } from '../../core/config.ts';
import { type AuthVariables, requireUser } from '../middleware/auth.ts';
import { rateLimit, rateLimits } from '../middleware/rate-limit.ts';

export interface PrivacyRouteDeps {
  config: Config;
  pool: Pool;
  /** Injected by tests; otherwise built from the SUPABASE_JWT_* settings. */
  verifier?: SupabaseJwtVerifier;
  /** Injected by tests to compress time. */
  now?: () => Date;
}

/**
 * `GET /users/me/data`: the signed-in user's data as a JSON download, streamed (bounded
 * memory, see adapters/privacy/export.ts). Rate-limited per user; audited as `export`.
 */
export function exportRoutes(deps: PrivacyRouteDeps): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const now = deps.now ?? (() => new Date());
  app.get(
    '/users/me/data',
    requireUser(deps),
    rateLimit({ db: deps.pool, now }, rateLimits.export),
    async (c) => {
      const requestId: unknown = c.get('requestId' as never);
      const result = await exportUserData(deps.pool, {
        userId: c.get('userId'),
        now: now(),
        ...(typeof requestId === 'string' ? { requestId } : {}),
      });
      return new Response(result.stream, {
        status: 200,
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Disposition': `attachment; filename="${result.filename}"`,
          'Cache-Control': 'no-store',
          'X-Content-Type-Options': 'nosniff',
        },
      });
    },
  );
  return app;
}
