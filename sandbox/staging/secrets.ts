/**
 * Local secrets of the staging, made once and kept in `<stateDir>/staging/secrets.json`
 * (mode 0600, git-ignored with the state dir): the n8n hook secret and the two keyrings — the
 * suppression HMAC keys and the subject seal keys, separate — must survive restarts
 * (suppression digests made yesterday must still match, open erasures must still open), and
 * the DKIM public key the DNS stand-in publishes should not change either. The receipt signing
 * key lives beside them, managed by `adapters/privacy/receipt-key.ts`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { VigieError } from '../../core/errors.ts';

const secretsSchema = z.object({
  N8N_HOOK_SECRET: z.string().min(16),
  /** `id:secret` keyrings (core/privacy/keyring.ts). */
  SUPPRESSION_HMAC_KEYS: z.string().min(36),
  SUBJECT_SEAL_KEYS: z.string().min(36),
  /** Base64 SubjectPublicKeyInfo of an RSA-2048 key: the `p=` of the DKIM records. */
  dkimPublicKey: z.string().min(200),
});

export type LocalSecrets = z.infer<typeof secretsSchema>;

export async function loadOrCreateLocalSecrets(stateDir: string): Promise<LocalSecrets> {
  const file = path.join(stateDir, 'staging', 'secrets.json');
  const existing = await readSecrets(file);
  if (existing) return existing;
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const created: LocalSecrets = {
    N8N_HOOK_SECRET: randomBytes(24).toString('base64url'),
    SUPPRESSION_HMAC_KEYS: `k1:${randomBytes(32).toString('hex')}`,
    SUBJECT_SEAL_KEYS: `s1:${randomBytes(32).toString('hex')}`,
    dkimPublicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // `wx`: when two launches race, the first file written wins and both use it.
  try {
    await writeFile(file, JSON.stringify(created, null, 2), { mode: 0o600, flag: 'wx' });
    return created;
  } catch {
    const raced = await readSecrets(file);
    if (raced) return raced;
    throw new VigieError('INTERNAL', `Could not write the local staging secrets to ${file}.`);
  }
}

async function readSecrets(file: string): Promise<LocalSecrets | undefined> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const upgraded = await upgradeLegacy(file, parsed);
  const result = secretsSchema.safeParse(upgraded);
  if (!result.success) {
    throw new VigieError(
      'CONFIG_INVALID',
      `${file} is not a valid local secrets file: delete it to make new secrets (suppression digests and erasure receipts made with the old ones will no longer match).`,
    );
  }
  return result.data;
}

/**
 * A file written before the keys were separated holds one `SUPPRESSION_HMAC_KEY`: it becomes
 * the suppression keyring's `k1` (its digests keep matching; subjects it sealed still open
 * through the legacy path) and a new seal key is made. Rewritten atomically (temp + rename).
 */
async function upgradeLegacy(file: string, parsed: unknown): Promise<unknown> {
  if (typeof parsed !== 'object' || parsed === null) return parsed;
  const { SUPPRESSION_HMAC_KEY: legacy, ...rest } = parsed as Record<string, unknown>;
  if (typeof legacy !== 'string' || 'SUPPRESSION_HMAC_KEYS' in rest) return parsed;
  const upgraded = {
    ...rest,
    SUPPRESSION_HMAC_KEYS: `k1:${legacy}`,
    SUBJECT_SEAL_KEYS: `s1:${randomBytes(32).toString('hex')}`,
  };
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, JSON.stringify(upgraded, null, 2), { mode: 0o600 });
  await rename(temp, file);
  return upgraded;
}
