/**
 * The Ed25519 signing keys Vigie holds outside the database, loaded one way: a setting (a secret
 * of ≥ 32 characters the key is derived from, or an Ed25519 PKCS#8 PEM) everywhere; on local
 * staging only, when the setting is absent, a key made once and kept in a file of the state
 * directory (mode 0600). Used for the erasure receipts (`receipt-key.ts`) and the audit
 * checkpoints (`checkpoint-config.ts`), each with its own setting and file.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { type ReceiptSigner, receiptSignerFrom } from '../../core/privacy/receipt.ts';

export interface SigningKeySpec {
  /** The setting's name (in config, env and `pulumi config`). */
  setting: string;
  /** Its value, undefined when unset. */
  value: string | undefined;
  /** What the key signs, for the error when it is missing ("Signing erasure receipts"). */
  purpose: string;
  /** Added to that error's fix (where the key must not be kept, say). */
  advice?: string;
  /** The local staging key file, relative to `VIGIE_STATE_DIR`. */
  localFile: string;
}

export async function loadSigningKey(
  spec: SigningKeySpec,
  config: Pick<Config, 'VIGIE_STAGE' | 'VIGIE_STATE_DIR'>,
): Promise<ReceiptSigner> {
  if (spec.value !== undefined) {
    try {
      return receiptSignerFrom(spec.value);
    } catch (error) {
      throw new VigieError(
        'CONFIG_INVALID',
        `${spec.setting} must be a secret of ≥ 32 characters or an Ed25519 private key in PKCS#8 PEM.`,
        { cause: error },
      );
    }
  }
  if (config.VIGIE_STAGE !== 'local') {
    throw new VigieError(
      'CONFIG_INVALID',
      `${spec.purpose} needs ${spec.setting}: set it in the environment (or with \`pulumi config set --secret vigie:${spec.setting}\`)${spec.advice ? `; ${spec.advice}` : ''}.`,
      { details: { variables: [spec.setting] } },
    );
  }
  const file = join(config.VIGIE_STATE_DIR, spec.localFile);
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch {
    const { privateKey } = generateKeyPairSync('ed25519');
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    // Written whole under a name of its own, then linked into place: `link` fails when the
    // file exists, so two processes starting together keep the first key, and no reader ever
    // sees a half-written file (with `writeFile(…, { flag: 'wx' })` a second process read it
    // empty between its creation and its content: a lambda bundle test failed so).
    const draft = `${file}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(draft, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), {
      mode: 0o600,
      flag: 'wx',
    });
    try {
      await link(draft, file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    } finally {
      await unlink(draft).catch(() => {});
    }
    pem = await readFile(file, 'utf8');
  }
  try {
    return receiptSignerFrom(pem);
  } catch (error) {
    throw new VigieError(
      'CONFIG_INVALID',
      `${file} does not hold an Ed25519 private key (PKCS#8 PEM): delete it to have a new key made, or set ${spec.setting}.`,
      { cause: error },
    );
  }
}
