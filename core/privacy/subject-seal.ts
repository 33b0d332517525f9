/**
 * The identifiers of a prospect being erased (email, LinkedIn URL) must survive the Postgres
 * step, because later steps need them (the Redis dedup key, the suppression digests, the
 * verification scan) and a crash can happen in between. They are kept sealed with
 * AES-256-GCM in `erasure_requests.subject_sealed` and that column is nulled when the request
 * completes, so the erasure record itself keeps ids only.
 *
 * Keys come from `SUBJECT_SEAL_KEYS`, a keyring of its own (never the suppression HMAC keys):
 * new subjects are sealed under the first key, whose id is written into the sealed text
 * (`v2.<keyId>.…`), and opened with the key of that id, so rotating the seal key leaves open
 * erasures openable as long as the old key stays listed. The AES key is derived per secret
 * (HKDF-SHA256, its own label). `v1` texts (sealed before the keys were separated, with a key
 * derived from the suppression HMAC key) still open through `legacyV1Secrets`.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { keyById, type Keyring } from './keyring.ts';

export interface ErasureSubject {
  email: string | null;
  linkedinUrl: string | null;
  /** When the prospect was created (ISO): how far back the n8n verification search must reach. */
  createdAt?: string | null;
  /**
   * The identifiers of the same person's other records at the customer (same normalised email
   * or LinkedIn URL), erased with it: see docs/privacy-erasure.md.
   */
  aliases?: Array<{ email: string | null; linkedinUrl: string | null }>;
}

const INFO = 'vigie/erasure-subject/aes-256-gcm/v1';
const VERSION = 'v2';
const LEGACY_VERSION = 'v1';
/**
 * GCM tags are 16 bytes here and only 16 bytes are accepted: without `authTagLength`, Node
 * accepts a tag truncated to as little as 4 bytes, which turns forging into a 2^32 guess.
 */
const TAG_BYTES = 16;

// Derived once per secret: HKDF on every request showed up in the erasure benchmark's profile.
const derived = new Map<string, Buffer>();

function keyFrom(secret: string): Buffer {
  let key = derived.get(secret);
  if (key === undefined) {
    key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), INFO, 32));
    if (derived.size > 8) derived.clear();
    derived.set(secret, key);
  }
  return key;
}

/** `v2.<keyId>.<iv>.<tag>.<ciphertext>`, base64url parts; `aad` binds it to one request id. */
export function sealSubject(keys: Keyring, subject: ErasureSubject, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(keys.current.secret), iv, {
    authTagLength: TAG_BYTES,
  });
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(JSON.stringify(subject), 'utf8'), cipher.final()]);
  return [VERSION, keys.current.id, iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/**
 * Throws if the text was not sealed with a key of this ring for this `aad`. `legacyV1Secrets`:
 * the suppression HMAC secrets a `v1` text may have been sealed under.
 */
export function openSubject(
  keys: Keyring,
  sealed: string,
  aad: string,
  legacyV1Secrets: readonly string[] = [],
): ErasureSubject {
  const parts = sealed.split('.');
  if (parts[0] === LEGACY_VERSION && parts.length === 4) {
    let last: unknown;
    for (const secret of legacyV1Secrets) {
      try {
        return decrypt(secret, parts[1] as string, parts[2] as string, parts[3] as string, aad);
      } catch (error) {
        last = error;
      }
    }
    throw new Error('sealed erasure subject (v1): no legacy key opens it', { cause: last });
  }
  const [version, keyId, iv, tag, body] = parts;
  if (
    version !== VERSION ||
    keyId === undefined ||
    iv === undefined ||
    tag === undefined ||
    body === undefined ||
    parts.length !== 5
  ) {
    throw new Error('not a sealed erasure subject');
  }
  const key = keyById(keys, keyId);
  if (key === undefined) {
    throw new Error(`sealed erasure subject: key "${keyId}" is not in SUBJECT_SEAL_KEYS`);
  }
  return decrypt(key.secret, iv, tag, body, aad);
}

function decrypt(
  secret: string,
  iv: string,
  tag: string,
  body: string,
  aad: string,
): ErasureSubject {
  const authTag = Buffer.from(tag, 'base64url');
  if (authTag.length !== TAG_BYTES) throw new Error('sealed erasure subject: bad tag length');
  const decipher = createDecipheriv('aes-256-gcm', keyFrom(secret), Buffer.from(iv, 'base64url'), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(authTag);
  const text = Buffer.concat([
    decipher.update(Buffer.from(body, 'base64url')),
    decipher.final(),
  ]).toString('utf8');
  const value = JSON.parse(text) as Partial<ErasureSubject>;
  return {
    email: value.email ?? null,
    linkedinUrl: value.linkedinUrl ?? null,
    ...(typeof value.createdAt === 'string' ? { createdAt: value.createdAt } : {}),
    ...(Array.isArray(value.aliases)
      ? {
          aliases: value.aliases.map((a) => ({
            email: a?.email ?? null,
            linkedinUrl: a?.linkedinUrl ?? null,
          })),
        }
      : {}),
  };
}
