/**
 * The audit checkpoint signing key and store, from config. The key is `AUDIT_CHECKPOINT_KEY`
 * (a secret the Ed25519 key is derived from, or an Ed25519 PKCS#8 PEM), its own key: never the
 * receipt key, and never stored in the database. Local staging makes one once and keeps it in
 * `<VIGIE_STATE_DIR>/audit/checkpoint-signing-key.pem` (mode 0600), and keeps the checkpoints
 * beside it (`checkpoints.jsonl`); a deployed stage writes them to an S3 bucket with Object
 * Lock (`AUDIT_CHECKPOINT_BUCKET`), or without one to an Upstash stream. The key is loaded by
 * `signing-key.ts`, like the receipt key.
 */
import { join } from 'node:path';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import type { ReceiptSigner } from '../../core/privacy/receipt.ts';
import { createRedis } from '../upstash/client.ts';
import { loadSigningKey } from './signing-key.ts';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  type CheckpointStore,
  fileCheckpointStore,
  s3CheckpointStore,
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
    | 'VIGIE_STAGE'
    | 'VIGIE_STATE_DIR'
    | 'UPSTASH_REDIS_REST_URL'
    | 'UPSTASH_REDIS_REST_TOKEN'
    | 'AUDIT_CHECKPOINT_STORE'
    | 'AUDIT_CHECKPOINT_BUCKET'
    | 'AUDIT_CHECKPOINT_RETENTION_DAYS'
    | 'AUDIT_CHECKPOINT_S3_ENDPOINT'
  >,
  s3Client?: Pick<S3Client, 'send'>,
): CheckpointStore {
  const kind =
    config.AUDIT_CHECKPOINT_STORE ??
    (config.VIGIE_STAGE === 'local' ? 'file' : config.AUDIT_CHECKPOINT_BUCKET ? 's3' : 'upstash');
  if (kind === 'file') {
    return fileCheckpointStore(join(config.VIGIE_STATE_DIR, 'audit', 'checkpoints.jsonl'));
  }
  if (kind === 's3') {
    if (!config.AUDIT_CHECKPOINT_BUCKET) {
      throw new VigieError(
        'CONFIG_INVALID',
        'Audit checkpoints in S3 need AUDIT_CHECKPOINT_BUCKET: the name of a bucket created with Object Lock enabled.',
        { details: { variables: ['AUDIT_CHECKPOINT_BUCKET'] } },
      );
    }
    const endpoint = config.AUDIT_CHECKPOINT_S3_ENDPOINT;
    return s3CheckpointStore({
      // Region and credentials from the standard AWS chain (the function's role, AWS_REGION).
      ...(s3Client ? { client: s3Client } : {}),
      clientConfig: endpoint ? { endpoint, forcePathStyle: true } : {},
      bucket: config.AUDIT_CHECKPOINT_BUCKET,
      retentionDays: config.AUDIT_CHECKPOINT_RETENTION_DAYS,
    });
  }
  if (!config.UPSTASH_REDIS_REST_URL || !config.UPSTASH_REDIS_REST_TOKEN) {
    throw new VigieError(
      'CONFIG_INVALID',
      'Audit checkpoints in Upstash need UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN (or set AUDIT_CHECKPOINT_BUCKET to keep them in S3 with Object Lock).',
      { details: { variables: ['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'] } },
    );
  }
  return upstashCheckpointStore(
    createRedis({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN }),
  );
}
