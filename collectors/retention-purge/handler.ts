import { raise } from '../../adapters/alerts/outbox.ts';
import { createN8nClient } from '../../adapters/n8n/client.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { requestErasure } from '../../adapters/privacy/erasure.ts';
import { loadReceiptSigner } from '../../adapters/privacy/receipt-key.ts';
import { createRedis } from '../../adapters/upstash/client.ts';
import { parseConfig, requireSettings } from '../../core/config.ts';
import { withTelemetry } from '../../telemetry/with-telemetry.ts';
import { type RetentionPurgeSummary, run } from './run.ts';

/**
 * Lambda entry (EventBridge Scheduler, daily 03:00 Europe/Paris): builds the erasure deps from
 * the environment, naming every missing setting at once, and runs one purge.
 */
export const handler = withTelemetry(
  'retention-purge',
  async (): Promise<RetentionPurgeSummary> => {
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
      'The retention-purge collector',
    );
    const pool = createPool(config.DATABASE_URL, { max: 2 });
    try {
      const receiptSigner = await loadReceiptSigner(config);
      const base = {
        pool,
        redis: createRedis({
          url: config.UPSTASH_REDIS_REST_URL,
          token: config.UPSTASH_REDIS_REST_TOKEN,
        }),
        n8n: createN8nClient({ baseUrl: config.N8N_BASE_URL, apiKey: config.N8N_API_KEY }),
        keys: { suppressionHmacKey: config.SUPPRESSION_HMAC_KEY, receiptSigner },
      };
      return await run(
        {
          db: pool,
          raise,
          // `now` per erasure: a long run stamps each request when it actually happens.
          erase: (input) => requestErasure({ ...base, now: new Date() }, input),
        },
        new Date(),
      );
    } finally {
      await pool.end();
    }
  },
);
