import { parseKeyring } from '../../core/privacy/keyring.ts';
import type { Redis } from '@upstash/redis';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { type N8nClient, createN8nClient } from '../../adapters/n8n/client.ts';
import type { Pool } from '../../adapters/postgres/pool.ts';
import {
  type ErasureDeps,
  type ErasureRequestView,
  acceptErasure,
  advanceErasure,
  assertUuid,
  getErasureRequest,
} from '../../adapters/privacy/erasure.ts';
import { createErasureBackground } from '../../adapters/privacy/erasure-background.ts';
import { ledgerReportSchema, recordExecution } from '../../adapters/privacy/ledger.ts';
import { loadReceiptSigner } from '../../adapters/privacy/receipt-key.ts';
import type { SupabaseJwtVerifier } from '../../adapters/supabase-auth/index.ts';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import type { ReceiptSigner } from '../../core/privacy/receipt.ts';
import { readJson } from '../errors.ts';
import { type AuthVariables, requireUser } from '../middleware/auth.ts';
import { createGate } from '../middleware/concurrency.ts';
import { type RateLimitRule, rateLimit, rateLimits } from '../middleware/rate-limit.ts';
import { HOOK_SECRET_HEADER, requireHookSecret } from '../middleware/hook-secret.ts';

/** The header the app's n8n workflows send with ledger reports (the same secret as the error hook). */
export const LEDGER_SECRET_HEADER = HOOK_SECRET_HEADER;

/** Erasure wiring a caller may override (tests, benchmarks); production uses the defaults. */
export interface ErasureOptions {
  /** Write the `erase` audit row (default true). The audit-overhead benchmark turns it off. */
  audit?: boolean;
  receiptSigner?: ReceiptSigner;
  rateLimit?: RateLimitRule;
  n8nSearchLimit?: number;
  /** Erasures worked on at once by this process (default 16). */
  concurrency?: number;
  /** Erasures waiting for a slot, beyond which a DELETE is refused at once (default 64). */
  queue?: number;
  /**
   * The server-side deadline of a DELETE, ms (default 2,000): past it the answer is 202 with
   * the status URL when the request is recorded (its work goes on, or the retry job finishes
   * it), else 503 with Retry-After.
   */
  deadlineMs?: number;
  /**
   * Who advances a request once the DELETE has answered (Upstash, n8n, the verification, the
   * receipt): `in-process` (default; a long-running server such as local staging) queues it in
   * this process, `backgroundConcurrency` (default 2) at once and at most `backgroundQueue`
   * (default 1,000) waiting; `collector` leaves it to the erasure-retry collector alone (Lambda,
   * which freezes a function once it has answered). The collector takes over in both cases
   * for whatever is still due.
   */
  background?: 'in-process' | 'collector';
  backgroundConcurrency?: number;
  backgroundQueue?: number;
}

/** How long an overloaded caller is asked to wait before trying again. */
export const OVERLOAD_RETRY_AFTER_SECONDS = 2;

const DEFAULT_LIMITS = {
  concurrency: 16,
  queue: 64,
  deadlineMs: 2_000,
  backgroundConcurrency: 2,
  backgroundQueue: 1_000,
} as const;

interface AdmissionVariables {
  /** `performance.now()` by which the DELETE answers. */
  deadlineAt: number;
  releaseSlot: () => void;
  slotHandedOver: boolean;
}

export interface ErasureRouteDeps {
  config: Config;
  pool: Pool;
  redis: Redis;
  /** Built from N8N_BASE_URL / N8N_API_KEY when absent. */
  n8n?: N8nClient;
  verifier?: SupabaseJwtVerifier;
  now?: () => Date;
  erasure?: ErasureOptions;
}

/**
 * - `DELETE /prospects/{id}`: records the request, deletes the person's Postgres records and adds
 *   the suppression records, then answers 202 `{status: 'pending', statusUrl}` (and `Location`);
 *   Upstash, n8n, the verification and the signed receipt follow in the background
 *   (docs/privacy-erasure.md §3). Again on an erased prospect → its request as it stands: 200
 *   `{status: 'completed', receipt}` once verified, else 202 again (not an error).
 * - `GET /erasure-requests/{id}`: the request, its steps and, once completed, the receipt.
 * - `POST /hooks/n8n/ledger`: the app's workflows report `{executionId, workflowId, userId,
 *   prospectIds}` (shared secret `N8N_HOOK_SECRET` in `X-Vigie-Hook-Secret`).
 */
export function erasureRoutes(deps: ErasureRouteDeps): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const now = deps.now ?? (() => new Date());
  let base: Promise<Omit<ErasureDeps, 'now'>> | undefined;
  const erasureDeps = async (): Promise<ErasureDeps> => {
    base ??= buildDeps(deps);
    base.catch(() => (base = undefined));
    return { ...(await base), now: now() };
  };

  const background =
    (deps.erasure?.background ?? 'in-process') === 'in-process'
      ? createErasureBackground({
          advance: async (requestId) => advanceErasure(await erasureDeps(), requestId),
          concurrency: deps.erasure?.backgroundConcurrency ?? DEFAULT_LIMITS.backgroundConcurrency,
          queue: deps.erasure?.backgroundQueue ?? DEFAULT_LIMITS.backgroundQueue,
        })
      : undefined;

  const deadlineMs = deps.erasure?.deadlineMs ?? DEFAULT_LIMITS.deadlineMs;
  const gate = createGate({
    limit: deps.erasure?.concurrency ?? DEFAULT_LIMITS.concurrency,
    queue: deps.erasure?.queue ?? DEFAULT_LIMITS.queue,
  });

  // The slot is taken first, before authentication and the rate limit (each a read of a
  // shared resource): under overload nothing piles up inside the process, and the deadline
  // counts from the request's arrival.
  const admit: MiddlewareHandler<{ Variables: AuthVariables & AdmissionVariables }> = async (
    c,
    next,
  ) => {
    const arrived = performance.now();
    const release = await gate.acquire(deadlineMs);
    if (release === undefined) throw overloaded();
    c.set('deadlineAt', arrived + deadlineMs);
    c.set('releaseSlot', release);
    try {
      await next();
    } finally {
      // The handler may hand the slot to work that outlives the answer (a 202).
      if (!c.get('slotHandedOver')) release();
    }
  };

  app.delete(
    '/prospects/:id',
    admit,
    requireUser(deps),
    validId('Prospect id'),
    rateLimit({ db: deps.pool, now }, deps.erasure?.rateLimit ?? rateLimits.erase),
    async (c) => {
      const vars = c as unknown as Context<{ Variables: AdmissionVariables }>;
      const release = vars.get('releaseSlot');
      vars.set('slotHandedOver', true);
      let recorded: string | undefined;
      const work = (async () => {
        try {
          const view = await acceptErasure(
            { ...(await erasureDeps()), onRecorded: (id) => (recorded = id) },
            { userId: c.get('userId'), prospectId: c.req.param('id') },
          );
          if (view.status === 'pending') background?.enqueue(view.id);
          return view;
        } finally {
          release();
        }
      })();
      const view = await beforeDeadline(work, vars.get('deadlineAt') - performance.now());
      if (view !== undefined) return respond(c, view);
      // Past the deadline. The slot stays held until the work ends, so the cap still bounds
      // the load; its outcome is in the durable request (or, unrecorded, nowhere: retry).
      work.catch(() => {});
      if (recorded === undefined) throw overloaded();
      const statusUrl = `/erasure-requests/${recorded}`;
      c.header('Location', statusUrl);
      return c.json({ status: 'pending', requestId: recorded, statusUrl }, 202);
    },
  );

  app.get('/erasure-requests/:id', requireUser(deps), validId('Erasure request id'), async (c) => {
    const view = await getErasureRequest(deps, {
      userId: c.get('userId'),
      requestId: c.req.param('id'),
    });
    return c.json(view, 200);
  });

  app.post('/hooks/n8n/ledger', requireHookSecret(deps.config, 'ledger'), async (c) => {
    const report = await readJson(c, ledgerReportSchema);
    const recorded = await recordExecution(deps.pool, report, now());
    return c.json({ recorded }, 200);
  });

  return app;
}

function overloaded(): VigieError {
  return new VigieError(
    'UNAVAILABLE',
    `Too many erasures in progress: retry in ${OVERLOAD_RETRY_AFTER_SECONDS} seconds.`,
    { details: { retryAfterSeconds: OVERLOAD_RETRY_AFTER_SECONDS, reason: 'overloaded' } },
  );
}

/** The work's result, or undefined once `ms` passed; its failure is thrown. */
async function beforeDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function respond(c: Context, view: ErasureRequestView): Response {
  if (view.status === 'completed') {
    return c.json({ status: view.status, requestId: view.id, receipt: view.receipt }, 200);
  }
  const statusUrl = `/erasure-requests/${view.id}`;
  c.header('Location', statusUrl);
  return c.json(
    { status: view.status, requestId: view.id, statusUrl, dueAt: view.dueAt, steps: view.steps },
    202,
  );
}

function validId(what: string): MiddlewareHandler {
  return async (c, next) => {
    assertUuid(c.req.param('id') ?? '', what);
    await next();
  };
}

async function buildDeps(deps: ErasureRouteDeps): Promise<Omit<ErasureDeps, 'now'>> {
  const missing = [
    deps.config.SUPPRESSION_HMAC_KEYS === undefined ? 'SUPPRESSION_HMAC_KEYS' : undefined,
    deps.config.SUBJECT_SEAL_KEYS === undefined ? 'SUBJECT_SEAL_KEYS' : undefined,
    deps.n8n === undefined && deps.config.N8N_BASE_URL === undefined ? 'N8N_BASE_URL' : undefined,
    deps.n8n === undefined && deps.config.N8N_API_KEY === undefined ? 'N8N_API_KEY' : undefined,
  ].filter((name) => name !== undefined);
  if (missing.length > 0) {
    // An operator problem, not the caller's: 503 naming the settings.
    throw new VigieError(
      'UNAVAILABLE',
      `Erasure is not configured on this server: set ${missing.join(', ')}.`,
    );
  }
  const n8n =
    deps.n8n ??
    createN8nClient({
      baseUrl: deps.config.N8N_BASE_URL as string,
      apiKey: deps.config.N8N_API_KEY as string,
      // A DELETE answers 202 rather than wait long on a slow n8n; the retry job finishes.
      timeoutMs: 5_000,
    });
  let receiptSigner = deps.erasure?.receiptSigner;
  if (receiptSigner === undefined) {
    try {
      receiptSigner = await loadReceiptSigner(deps.config);
    } catch (error) {
      throw new VigieError('UNAVAILABLE', (error as Error).message, { cause: error });
    }
  }
  return {
    pool: deps.pool,
    redis: deps.redis,
    n8n,
    keys: {
      suppressionHmacKey: parseKeyring(deps.config.SUPPRESSION_HMAC_KEYS as string),
      subjectSealKeys: parseKeyring(deps.config.SUBJECT_SEAL_KEYS as string),
      receiptSigner,
    },
    residual: {
      n8nMaxAgeHours: deps.config.N8N_EXECUTIONS_MAX_AGE_HOURS,
      n8nHardDeleteBufferHours: 1,
      backupRetentionDays: deps.config.PRIVACY_BACKUP_RETENTION_DAYS,
    },
    ...(deps.erasure?.audit === undefined ? {} : { audit: deps.erasure.audit }),
    ...(deps.erasure?.n8nSearchLimit === undefined
      ? {}
      : { n8nSearchLimit: deps.erasure.n8nSearchLimit }),
  };
}
