/**
 * The audit checkpoint signing key and store, from config. The key is `AUDIT_CHECKPOINT_KEY`
 * (a secret the Ed25519 key is derived from, or an Ed25519 PKCS#8 PEM), its own key: never the
 * receipt key, and never stored in the database. Local staging makes one once and keeps it in
 * `<VIGIE_STATE_DIR>/audit/checkpoint-signing-key.pem` (mode 0600), and keeps the checkpoints
 * beside it (`checkpoints.jsonl`); deployments append them to an Upstash stream. The key is
 * loaded by `signing-key.ts`, like the receipt key.
 */
import { join } from 'node:path';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import type { ReceiptSigner } from '../../core/privacy/receipt.ts';
import { createRedis } from '../upstash/client.ts';
import { loadSigningKey } from './signing-key.ts';
import {
  type CheckpointStore,
  fileCheckpointStore,
  upstashCheckpointStore,
} from './checkpoint-store.ts';

type KeyConfig = Pick<Config, 'AUDIT_CHECKPOINT_KEY' | 'VIGIE_STAGE' | 'VIGIE_STATE_DIR'>;

export function loadCheckpointSigner(config: KeyConfig): Promise<ReceiptSigner> {
  return loadSigningKey(
    {
      setting: 'AUDIT_CHECKPOINT_KEY',
      value: config.AUDIT_CHECKPOINT_KEY,
      purpose: 'Signing audit checkpoints',
      advice: 'keep it out of the database',
      localFile: join('audit', 'checkpoint-signing-key.pem'),
    },
    config,
  );
}

export function checkpointStoreFrom(
  config: Pick<
    Config,
    'VIGIE_STAGE' | 'VIGIE_STATE_DIR' | 'UPSTASH_REDIS_REST_URL' | 'UPSTASH_REDIS_REST_TOKEN'
  >,
): CheckpointStore {
  if (config.VIGIE_STAGE === 'local') {
    return fileCheckpointStore(join(config.VIGIE_STATE_DIR, 'audit', 'checkpoints.jsonl'));
  }
  if (!config.UPSTASH_REDIS_REST_URL || !config.UPSTASH_REDIS_REST_TOKEN) {
    throw new VigieError(
      'CONFIG_INVALID',
      'Audit checkpoints are kept in Upstash outside local staging: set UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN.',
      { details: { variables: ['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'] } },
    );
  }
  return upstashCheckpointStore(
    createRedis({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN }),
  );
}
