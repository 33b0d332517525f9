import { raise } from '../../adapters/alerts/outbox.ts';
import { checkpointAuditLog } from '../../adapters/privacy/audit-anchor.ts';
import {
  checkpointStoreFrom,
  loadCheckpointSigner,
} from '../../adapters/privacy/checkpoint-config.ts';
import { requireSettings } from '../../core/config.ts';
import { type CollectorRunner, withPool } from '../shared/wiring.ts';
import { run } from './run.ts';

export const runner: CollectorRunner = async (config, now) => {
  const c = requireSettings(config, ['DATABASE_URL'], 'The audit-anchor collector');
  const signer = await loadCheckpointSigner(c);
  const store = checkpointStoreFrom(c);
  return withPool(c.DATABASE_URL, async (db) =>
    run(
      {
        db,
        raise,
        checkpoint: async () => {
          const client = await db.connect();
          try {
            return await checkpointAuditLog(client, { store, signer, now });
          } finally {
            client.release();
          }
        },
      },
      now,
    ),
  );
};
