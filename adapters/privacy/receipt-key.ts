/**
 * Where the receipt signing key comes from: `RECEIPT_SIGNING_KEY` (a secret the Ed25519 key is
 * derived from, or an Ed25519 PKCS#8 PEM) everywhere but local staging, where a key is made
 * once and kept in `<VIGIE_STATE_DIR>/privacy/receipt-signing-key.pem` (mode 0600).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { type ReceiptSigner, receiptSignerFrom } from '../../core/privacy/receipt.ts';

const LOCAL_KEY_FILE = join('privacy', 'receipt-signing-key.pem');

export async function loadReceiptSigner(
  config: Pick<Config, 'RECEIPT_SIGNING_KEY' | 'VIGIE_STAGE' | 'VIGIE_STATE_DIR'>,
): Promise<ReceiptSigner> {
  if (config.RECEIPT_SIGNING_KEY !== undefined) {
    try {
      return receiptSignerFrom(config.RECEIPT_SIGNING_KEY);
    } catch (error) {
      throw new VigieError(
        'CONFIG_INVALID',
        'RECEIPT_SIGNING_KEY must be a secret of ≥ 32 characters or an Ed25519 private key in PKCS#8 PEM.',
        { cause: error },
      );
    }
  }
  if (config.VIGIE_STAGE !== 'local') {
    throw new VigieError(
      'CONFIG_INVALID',
      'Signing erasure receipts needs RECEIPT_SIGNING_KEY: set it in the environment (or with `pulumi config set --secret vigie:RECEIPT_SIGNING_KEY`).',
      { details: { variables: ['RECEIPT_SIGNING_KEY'] } },
    );
  }
  const file = join(config.VIGIE_STATE_DIR, LOCAL_KEY_FILE);
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch {
    const { privateKey } = generateKeyPairSync('ed25519');
    pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await mkdir(join(config.VIGIE_STATE_DIR, 'privacy'), { recursive: true, mode: 0o700 });
    // `wx`: two processes starting together keep the first key written.
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' }).catch(async () => {
      pem = await readFile(file, 'utf8');
    });
  }
  return receiptSignerFrom(pem);
}
