import { raise } from '../../adapters/alerts/outbox.ts';
import { createN8nClient } from '../../adapters/n8n/client.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { advanceErasure, dueErasureRequests } from '../../adapters/privacy/erasure.ts';
import { loadReceiptSigner } from '../../adapters/privacy/receipt-key.ts';
import { createRedis } from '../../adapters/upstash/client.ts';
import { parseConfig, requireSettings } from '../../core/config.ts';
import { withTelemetry } from '../../telemetry/with-telemetry.ts';
import { type ErasureRetrySummary, run } from './run.ts';

/** Lambda entry (EventBridge Scheduler, every 5 minutes): wires the erasure deps from env. */
export const handler = withTelemetry('erasure-retry', async (): Promise<ErasureRetrySummary> => {
  const config = requireSettings(
    parseConfig(process.env),
    [
      'DATABASE_URL',
      'UPSTASH_REDIS_REST_URL',
      'UPSTASH_REDIS_REST_TOKEN',
      'N8N_BASE_URL',
      'N8N_API_KEY',
      'SUPPRESSION_HMAC_KEY',
    ],
    'The erasure-retry collector',
  );
  const pool = createPool(config.DATABASE_URL, { max: 2 });
  try {
    const base = {
      pool,
      redis: createRedis({
        url: config.UPSTASH_REDIS_REST_URL,
        token: config.UPSTASH_REDIS_REST_TOKEN,
        retries: 1,
      }),
      n8n: createN8nClient({ baseUrl: config.N8N_BASE_URL, apiKey: config.N8N_API_KEY }),
      keys: {
        suppressionHmacKey: config.SUPPRESSION_HMAC_KEY,
        receiptSigner: await loadReceiptSigner(config),
      },
      residual: {
        n8nMaxAgeHours: config.N8N_EXECUTIONS_MAX_AGE_HOURS,
        n8nHardDeleteBufferHours: 1,
        backupRetentionDays: config.PRIVACY_BACKUP_RETENTION_DAYS,
      },
    };
    const now = new Date();
    return await run(
      {
        db: pool,
        raise,
        due: dueErasureRequests,
        advance: (requestId) => advanceErasure({ ...base, now: new Date() }, requestId),
      },
      now,
    );
  } finally {
    await pool.end();
  }
});
