/**
 * Where the receipt signing key comes from: `RECEIPT_SIGNING_KEY` (a secret the Ed25519 key is
 * derived from, or an Ed25519 PKCS#8 PEM) everywhere but local staging, where a key is made
 * once and kept in `<VIGIE_STATE_DIR>/privacy/receipt-signing-key.pem` (mode 0600). The loading
 * is `signing-key.ts`'s, shared with the audit checkpoint key.
 */
import { join } from 'node:path';
import type { Config } from '../../core/config.ts';
import type { ReceiptSigner } from '../../core/privacy/receipt.ts';
import { loadSigningKey } from './signing-key.ts';

export function loadReceiptSigner(
  config: Pick<Config, 'RECEIPT_SIGNING_KEY' | 'VIGIE_STAGE' | 'VIGIE_STATE_DIR'>,
): Promise<ReceiptSigner> {
  return loadSigningKey(
    {
      setting: 'RECEIPT_SIGNING_KEY',
      value: config.RECEIPT_SIGNING_KEY,
      purpose: 'Signing erasure receipts',
      localFile: join('privacy', 'receipt-signing-key.pem'),
    },
    config,
  );
}
