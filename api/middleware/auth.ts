import type { MiddlewareHandler } from 'hono';
import {
  type SupabaseJwtVerifier,
  createSupabaseJwtVerifier,
} from '../../adapters/supabase-auth/index.ts';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';

/** Context variables set by `requireUser`: the Supabase user id (`sub`), a UUID. */
export type AuthVariables = { userId: string };

export interface AuthDeps {
  config: Config;
  /** Injected in tests; otherwise built once per `config` from the SUPABASE_JWT_* settings. */
  verifier?: SupabaseJwtVerifier;
}

const verifiers = new WeakMap<Config, SupabaseJwtVerifier>();

/** Builds the verifier from settings; `undefined` when neither a JWKS URL nor a secret is set. */
export function verifierFromConfig(config: Config): SupabaseJwtVerifier | undefined {
  const cached = verifiers.get(config);
  if (cached) return cached;
  if (config.SUPABASE_JWT_ISSUER === undefined) return undefined;
  if (config.SUPABASE_JWKS_URL === undefined && config.SUPABASE_JWT_SECRET === undefined) {
    return undefined;
  }
  const verifier = createSupabaseJwtVerifier({
    issuer: config.SUPABASE_JWT_ISSUER,
    jwksUrl: config.SUPABASE_JWKS_URL,
    jwtSecret: config.SUPABASE_JWT_SECRET,
  });
  verifiers.set(config, verifier);
  return verifier;
}

/**
 * Requires `Authorization: Bearer <Supabase user JWT>` and puts the user's id on the context
 * (`c.get('userId')`). Failures throw `VigieError`s that `api/errors.ts` maps to 401 (bad
 * token, message says why) or 503 (keys unreachable, or auth not configured).
 */
export function requireUser(deps: AuthDeps): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const verifier = deps.verifier ?? verifierFromConfig(deps.config);
    if (verifier === undefined) {
      // An operator problem, not the caller's: say which settings, keep it out of 401.
      throw new VigieError(
        'UNAVAILABLE',
        'Authentication is not configured on this server (SUPABASE_JWT_ISSUER with SUPABASE_JWKS_URL or SUPABASE_JWT_SECRET).',
      );
    }
    const header = c.req.header('Authorization');
    if (header === undefined || header.trim() === '') {
      throw new VigieError(
        'UNAUTHENTICATED',
        'Missing Authorization header: send "Authorization: Bearer <Supabase access token>".',
      );
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1] === undefined) {
      throw new VigieError(
        'UNAUTHENTICATED',
        'Authorization header must be "Bearer <Supabase access token>".',
      );
    }
    const { userId } = await verifier.verify(match[1]);
    c.set('userId', userId);
    await next();
  };
}
