import { COLLECTOR_N8N_SEARCH_LIMIT, type ErasureDeps } from '../../adapters/privacy/erasure.ts';
import { createN8nClient } from '../../adapters/n8n/client.ts';
import type { createPool } from '../../adapters/postgres/pool.ts';
import { loadReceiptSigner } from '../../adapters/privacy/receipt-key.ts';
import { createRedis } from '../../adapters/upstash/client.ts';
import { type Config, requireSettings } from '../../core/config.ts';
import { parseKeyring } from '../../core/privacy/keyring.ts';
import { withPool } from './wiring.ts';

/** The erasure collectors' (retention-purge, erasure-retry) shared deps, `now` left to them. */
export async function withErasure<T>(
  config: Config,
  purpose: string,
  fn: (db: ReturnType<typeof createPool>, base: Omit<ErasureDeps, 'now'>) => Promise<T>,
): Promise<T> {
  const c = requireSettings(
    config,
    [
      'DATABASE_URL',
      'UPSTASH_REDIS_REST_URL',
      'UPSTASH_REDIS_REST_TOKEN',
      'N8N_BASE_URL',
      'N8N_API_KEY',
      'SUPPRESSION_HMAC_KEYS',
      'SUBJECT_SEAL_KEYS',
    ],
    purpose,
  );
  const receiptSigner = await loadReceiptSigner(c);
  return withPool(c.DATABASE_URL, (db) =>
    fn(db, {
      pool: db,
      redis: createRedis({
        url: c.UPSTASH_REDIS_REST_URL,
        token: c.UPSTASH_REDIS_REST_TOKEN,
        retries: 1,
      }),
      n8n: createN8nClient({ baseUrl: c.N8N_BASE_URL, apiKey: c.N8N_API_KEY }),
      keys: {
        suppressionHmacKey: parseKeyring(c.SUPPRESSION_HMAC_KEYS),
        subjectSealKeys: parseKeyring(c.SUBJECT_SEAL_KEYS),
        receiptSigner,
      },
      // Off the request path: search n8n further back, and sign what was covered.
      n8nSearchLimit: COLLECTOR_N8N_SEARCH_LIMIT,
      n8nSearchIncomplete: 'complete',
      residual: {
        n8nMaxAgeHours: c.N8N_EXECUTIONS_MAX_AGE_HOURS,
        n8nHardDeleteBufferHours: 1,
        backupRetentionDays: c.PRIVACY_BACKUP_RETENTION_DAYS,
      },
    }),
  );
}
