export {
  CLOCK_SKEW_SECONDS,
  MAX_JWKS_CACHE_MS,
  type SupabaseClaims,
  type SupabaseJwtVerifier,
  type SupabaseJwtVerifierOptions,
  type VerifiedUser,
  createSupabaseJwtVerifier,
} from './verifier.ts';
