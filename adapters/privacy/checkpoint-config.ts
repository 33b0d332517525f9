/**
 * The audit checkpoint signing key and store, from config. The key is `AUDIT_CHECKPOINT_KEY`
 * (a secret the Ed25519 key is derived from, or an Ed25519 PKCS#8 PEM), its own key: never the
 * receipt key, and never stored in the database. Local staging makes one once and keeps it in
 * `<VIGIE_STATE_DIR>/audit/checkpoint-signing-key.pem` (mode 0600), and keeps the checkpoints
 * beside it (`checkpoints.jsonl`); deployments append them to an Upstash stream.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { type ReceiptSigner, receiptSignerFrom } from '../../core/privacy/receipt.ts';
import { createRedis } from '../upstash/client.ts';
import {
  type CheckpointStore,
  fileCheckpointStore,
  upstashCheckpointStore,
} from './checkpoint-store.ts';

type KeyConfig = Pick<Config, 'AUDIT_CHECKPOINT_KEY' | 'VIGIE_STAGE' | 'VIGIE_STATE_DIR'>;

export async function loadCheckpointSigner(config: KeyConfig): Promise<ReceiptSigner> {
  if (config.AUDIT_CHECKPOINT_KEY !== undefined) {
    try {
      return receiptSignerFrom(config.AUDIT_CHECKPOINT_KEY);
    } catch (error) {
      throw new VigieError(
        'CONFIG_INVALID',
        'AUDIT_CHECKPOINT_KEY must be a secret of ≥ 32 characters or an Ed25519 private key in PKCS#8 PEM.',
        { cause: error },
      );
    }
  }
  if (config.VIGIE_STAGE !== 'local') {
    throw new VigieError(
      'CONFIG_INVALID',
      'Signing audit checkpoints needs AUDIT_CHECKPOINT_KEY: set it in the environment (or with `pulumi config set --secret vigie:AUDIT_CHECKPOINT_KEY`); keep it out of the database.',
      { details: { variables: ['AUDIT_CHECKPOINT_KEY'] } },
    );
  }
  const dir = join(config.VIGIE_STATE_DIR, 'audit');
  const file = join(dir, 'checkpoint-signing-key.pem');
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch {
    const { privateKey } = generateKeyPairSync('ed25519');
    pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // `wx`: two processes starting together keep the first key written.
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' }).catch(async () => {
      pem = await readFile(file, 'utf8');
    });
  }
  return receiptSignerFrom(pem);
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
