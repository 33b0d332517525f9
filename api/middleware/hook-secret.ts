import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { VigieError } from '../../core/errors.ts';

/** The header n8n's workflows send the shared secret in (`N8N_HOOK_SECRET`). */
export const HOOK_SECRET_HEADER = 'X-Vigie-Hook-Secret';

/**
 * The one check of the n8n hooks' shared secret (`/hooks/n8n/error`, `/ledger`,
 * `/enrichments`): not configured → 503 saying which setting is missing; a missing or wrong
 * header → 401. Compared in constant time over SHA-256 digests, so neither the content nor
 * the length of the secret leaks through timing.
 */
export function requireHookSecret(
  config: { N8N_HOOK_SECRET?: string | undefined },
  hook: string,
): MiddlewareHandler {
  return async (c, next) => {
    const secret = config.N8N_HOOK_SECRET;
    if (secret === undefined) {
      throw new VigieError(
        'UNAVAILABLE',
        `The n8n ${hook} hook is not configured on this server: set N8N_HOOK_SECRET.`,
      );
    }
    if (!sameSecret(c.req.header(HOOK_SECRET_HEADER), secret)) {
      throw new VigieError(
        'UNAUTHENTICATED',
        `Missing or wrong ${HOOK_SECRET_HEADER} header: send the N8N_HOOK_SECRET value.`,
      );
    }
    await next();
  };
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
