/**
 * The identifiers of a prospect being erased (email, LinkedIn URL) must survive the Postgres
 * step, because later steps need them (the Redis dedup key, the suppression digests, the
 * verification scan) and a crash can happen in between. They are kept sealed with
 * AES-256-GCM in `erasure_requests.subject_sealed` and that column is nulled when the request
 * completes, so the erasure record itself keeps ids only.
 *
 * The key is derived (HKDF-SHA256) from `SUPPRESSION_HMAC_KEY` with its own label, so one
 * secret serves both without the HMAC key ever being used as an encryption key.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

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
const VERSION = 'v1';
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

/** `v1.<iv>.<tag>.<ciphertext>`, base64url parts; `aad` binds it to one request id. */
export function sealSubject(secret: string, subject: ErasureSubject, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(secret), iv, {
    authTagLength: TAG_BYTES,
  });
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(JSON.stringify(subject), 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** Throws if the text was not sealed with this secret for this `aad`. */
export function openSubject(secret: string, sealed: string, aad: string): ErasureSubject {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== VERSION || iv === undefined || tag === undefined || body === undefined) {
    throw new Error('not a sealed erasure subject');
  }
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
