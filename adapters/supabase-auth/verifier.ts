import { createHash } from 'node:crypto';
import {
  type JWTPayload,
  type JWTVerifyGetKey,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import * as z from 'zod';
import { VigieError } from '../../core/errors.ts';

/**
 * Verifies Supabase Auth user JWTs (docs/providers/privacy.md: asymmetric
 * signing keys published as a JWKS at `<iss>/.well-known/jwks.json`; legacy projects sign
 * HS256 with a shared secret). Every failure is a `VigieError`: `UNAUTHENTICATED` with a
 * message saying what was wrong (never the token itself), or `UNAVAILABLE` when the JWKS
 * cannot be fetched — an outage of the key server is not the caller's fault.
 */
export interface SupabaseJwtVerifierOptions {
  /** `https://<ref>.supabase.co/auth/v1/.well-known/jwks.json`; optional if only HS256 is used. */
  jwksUrl?: string | undefined;
  /** `https://<ref>.supabase.co/auth/v1`. */
  issuer: string;
  /** Legacy shared secret: HS256 tokens are refused unless it is set. */
  jwtSecret?: string | undefined;
  /** Seconds of clock skew accepted on `exp`/`iat`/`nbf` (default {@link CLOCK_SKEW_SECONDS}). */
  clockToleranceSeconds?: number;
  /** JWKS cache lifetime; Supabase documents 10 min at their edge, so never longer. */
  cacheMaxAgeMs?: number;
  /** Abort a JWKS fetch after this long. */
  jwksTimeoutMs?: number;
  /**
   * How long a token that verified is taken as verified again without redoing the signature
   * check (default {@link VERIFIED_CACHE_MS}; 0 turns it off). Never past the token's `exp`.
   */
  verifiedCacheMs?: number;
  /** Clock, for tests and drills. */
  now?: () => Date;
}

export interface VerifiedUser {
  userId: string;
  claims: SupabaseClaims;
}

export interface SupabaseJwtVerifier {
  verify(token: string): Promise<VerifiedUser>;
}

export const MAX_JWKS_CACHE_MS = 10 * 60 * 1000;
/**
 * Clock skew tolerated between Supabase Auth and this process, on `exp`, `nbf` and `iat`.
 * A minute covers NTP-synchronised hosts with margin; a token issued further in the future
 * was minted by a wrong clock or forged with a long life, and is refused.
 */
export const CLOCK_SKEW_SECONDS = 60;
const ASYMMETRIC = ['ES256', 'RS256'] as const;

/**
 * A user's app sends the same access token with every request until it expires (an hour by
 * default), and checking an ES256 signature was the largest CPU cost of an authenticated read
 * under load (load/capacity-report.md). A token that verified is remembered for a minute (by
 * its SHA-256, never the token itself), and never past its own `exp`. A key withdrawn from the
 * JWKS already stays trusted for the JWKS cache's lifetime (up to 10 min), so a minute adds no
 * new window; a token that changes by one byte is another token and is verified in full.
 */
export const VERIFIED_CACHE_MS = 60_000;
/** Entries kept at most (the oldest go first); a bound on memory, not a tuning knob. */
const VERIFIED_CACHE_ENTRIES = 10_000;

const claimsSchema = z.looseObject({
  sub: z.uuid({ message: 'sub must be a user UUID' }),
  role: z.literal('authenticated', { message: 'role must be "authenticated"' }),
  aud: z.union([z.string(), z.array(z.string())]),
  iss: z.string(),
  exp: z.number(),
  iat: z.number().optional(),
  session_id: z.string().optional(),
});
export type SupabaseClaims = z.infer<typeof claimsSchema>;

/** Raised by our JWKS wrapper so a fetch failure is told apart from a bad token. */
class JwksUnavailable extends Error {}

export function createSupabaseJwtVerifier(
  options: SupabaseJwtVerifierOptions,
): SupabaseJwtVerifier {
  const cacheMaxAge = Math.min(options.cacheMaxAgeMs ?? MAX_JWKS_CACHE_MS, MAX_JWKS_CACHE_MS);
  const clockTolerance = options.clockToleranceSeconds ?? CLOCK_SKEW_SECONDS;
  const now = options.now ?? (() => new Date());
  const secret =
    options.jwtSecret === undefined ? undefined : new TextEncoder().encode(options.jwtSecret);
  const remote =
    options.jwksUrl === undefined
      ? undefined
      : createRemoteJWKSet(new URL(options.jwksUrl), {
          cacheMaxAge,
          timeoutDuration: options.jwksTimeoutMs ?? 3000,
        });
  const jwks: JWTVerifyGetKey | undefined =
    remote === undefined
      ? undefined
      : async (header, token) => {
          try {
            return await remote(header, token);
          } catch (error) {
            if (
              error instanceof joseErrors.JWKSNoMatchingKey ||
              error instanceof joseErrors.JWKSMultipleMatchingKeys
            ) {
              throw error;
            }
            throw new JwksUnavailable('JWKS fetch failed', { cause: error });
          }
        };

  const verifiedFor = options.verifiedCacheMs ?? VERIFIED_CACHE_MS;
  const verified = new Map<string, { until: number; user: VerifiedUser }>();
  const remember = (key: string, user: VerifiedUser, at: Date) => {
    if (verifiedFor <= 0) return;
    if (verified.size >= VERIFIED_CACHE_ENTRIES) {
      verified.delete(verified.keys().next().value as string);
    }
    const until = Math.min(at.getTime() + verifiedFor, user.claims.exp * 1000);
    verified.set(key, { until, user });
  };

  return {
    async verify(token) {
      const at = now();
      const key = verifiedFor > 0 ? createHash('sha256').update(token).digest('base64url') : '';
      const hit = verifiedFor > 0 ? verified.get(key) : undefined;
      if (hit !== undefined) {
        if (at.getTime() < hit.until) return hit.user;
        verified.delete(key);
      }
      const alg = algorithmOf(token);
      const common = {
        issuer: options.issuer,
        audience: 'authenticated',
        clockTolerance,
        currentDate: at,
        requiredClaims: ['exp', 'sub', 'role'],
      };
      let payload: JWTPayload;
      try {
        if (alg === 'HS256') {
          if (secret === undefined) {
            throw unauthenticated(
              'HS256 tokens are not accepted: no legacy JWT secret is configured (use a token signed by the project signing keys).',
            );
          }
          ({ payload } = await jwtVerify(token, secret, { ...common, algorithms: ['HS256'] }));
        } else if ((ASYMMETRIC as readonly string[]).includes(alg)) {
          if (jwks === undefined) {
            throw unauthenticated(`${alg} tokens are not accepted: no JWKS URL is configured.`);
          }
          ({ payload } = await jwtVerify(token, jwks, { ...common, algorithms: [...ASYMMETRIC] }));
        } else {
          throw unauthenticated(
            alg.toLowerCase() === 'none'
              ? 'Unsigned tokens (alg "none") are not accepted.'
              : `Token algorithm ${JSON.stringify(alg.slice(0, 16))} is not accepted (ES256, RS256${secret ? ', HS256' : ''} only).`,
          );
        }
      } catch (error) {
        throw mapError(error);
      }
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) {
        throw unauthenticated(
          `Token claims are not a Supabase user session: ${claims.error.issues.map((i) => i.message).join('; ')}.`,
        );
      }
      // jose checks `iat` only when a maximum token age is set, so a token "issued" in the
      // future would otherwise pass: refuse it beyond the tolerated skew.
      const iat = claims.data.iat;
      if (iat !== undefined && iat > at.getTime() / 1000 + clockTolerance) {
        throw unauthenticated(
          `Token iat is in the future (more than ${clockTolerance} s ahead of this server's clock).`,
        );
      }
      const user = { userId: claims.data.sub, claims: claims.data };
      remember(key, user, at);
      return user;
    },
  };
}

function algorithmOf(token: string): string {
  if (token.split('.').length !== 3) {
    throw unauthenticated('Malformed token: expected a JWS compact serialisation (three parts).');
  }
  try {
    const header = decodeProtectedHeader(token);
    if (typeof header.alg !== 'string') throw new Error('no alg');
    return header.alg;
  } catch {
    throw unauthenticated('Malformed token: the header is not base64url JSON with an "alg".');
  }
}

function mapError(error: unknown): VigieError {
  if (error instanceof VigieError) return error;
  if (error instanceof JwksUnavailable) {
    return new VigieError(
      'UNAVAILABLE',
      'Cannot verify the token right now: the signing keys (JWKS) could not be fetched. Retry shortly.',
      { cause: error.cause },
    );
  }
  if (error instanceof joseErrors.JWTExpired) return unauthenticated('Token has expired.');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = error.claim;
    if (claim === 'aud') return unauthenticated('Token audience is not "authenticated".');
    if (claim === 'iss') return unauthenticated('Token issuer is not this project.');
    if (claim === 'nbf' || claim === 'iat')
      return unauthenticated(`Token ${claim} is in the future.`);
    return unauthenticated(
      `Token claim ${JSON.stringify(claim.slice(0, 32))} is missing or invalid.`,
    );
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return unauthenticated('Token signature does not verify: it was not signed by this project.');
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return unauthenticated('Token was signed with a key this project does not publish.');
  }
  if (error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return unauthenticated('Token has no key id ("kid") and several keys could match.');
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return unauthenticated('Token algorithm is not accepted for this key.');
  }
  if (error instanceof joseErrors.JOSEError) return unauthenticated('Malformed or invalid token.');
  return new VigieError('INTERNAL', 'Token verification failed unexpectedly.', { cause: error });
}

function unauthenticated(message: string): VigieError {
  return new VigieError('UNAUTHENTICATED', message);
}
