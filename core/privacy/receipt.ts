/**
 * The erasure receipt: what each store removed, what the verification scan found (nothing),
 * the residual windows, the timestamps — signed with Ed25519 so that anyone holding the public
 * key can check it without being able to forge one (an HMAC would need the secret to verify).
 * The signature covers the RFC 8785 (JCS) canonical JSON of the receipt without `signature`.
 */
import {
  type KeyObject,
  createHash,
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  sign,
  verify,
} from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ResidualWindow } from './erasure-plan.ts';
import type { SuppressionKind } from './suppression.ts';

export const RECEIPT_TYPE = 'vigie.erasure-receipt/1';

export interface PostgresErasureResult {
  prospectsDeleted: number;
  /** The prospect records deleted: the one requested and the same person's other records. */
  prospectIds: string[];
  campaignMembershipsDeleted: number;
  emailEventsDeleted: number;
  /** Meetings keep their slot (time, status) but lose the prospect link and attendee data. */
  meetingsAnonymized: number;
  /** The Claude enrichment lives in the prospect row and went with it. */
  enrichmentDeleted: boolean;
}

export interface UpstashErasureResult {
  /** Key names that existed and were unlinked. */
  keysRemoved: string[];
  /** Key names the layout names for this prospect that did not exist. */
  keysAbsent: string[];
  /** Email jobs found through the prospect's job index. */
  emailJobIds: string[];
  queueEntriesRemoved: number;
}

export interface N8nErasureResult {
  executionsDeleted: string[];
  /** In the ledger but already gone from n8n (deleted earlier, pruned): 404. */
  executionsAlreadyGone: string[];
  ledgerEntriesRemoved: number;
}

export interface SuppressionResult {
  kinds: SuppressionKind[];
}

export type VerificationProbe = 'prospect-id' | 'email' | 'linkedin-url' | 'key' | 'execution';

export interface VerificationCheck {
  store: 'postgres' | 'upstash' | 'n8n';
  probe: VerificationProbe;
  /** Where it looked: a table, a key pattern, an API call. No personal data. */
  target: string;
  hits: number;
}

/**
 * What the n8n part of the verification actually covered, so "0 hits" is never read as more
 * than it is: the ledger's executions were each fetched (must be 404), and the newest
 * executions were searched with their data back to `searchWindow.oldestSearched`.
 * `searchWindow.complete` is true when that reached the prospect's creation (`since`) or the
 * end of n8n's list; executions older than what n8n keeps are covered by its pruning (see the
 * receipt's residual windows), not by this search.
 */
export interface N8nVerificationScope {
  ledgerExecutionsChecked: number;
  recentExecutionsSearched: number;
  searchWindow: {
    /** The prospect's creation time, when known. */
    since: string | null;
    /** `startedAt` of the oldest execution searched (null: n8n listed none). */
    oldestSearched: string | null;
    until: string;
    complete: boolean;
  };
}

export interface VerificationResult {
  at: string;
  checks: VerificationCheck[];
  totalHits: number;
  n8n?: N8nVerificationScope;
}

export interface ErasureReceiptBody {
  type: typeof RECEIPT_TYPE;
  requestId: string;
  userId: string;
  /** The prospect the request named. */
  prospectId: string;
  /**
   * Every record of the person this erasure covers: `prospectId` and the customer's other
   * prospects with the same normalised email or LinkedIn URL (an erasure is about a person).
   */
  prospectIds: string[];
  requestedAt: string;
  dueAt: string;
  completedAt: string;
  stores: {
    postgres: PostgresErasureResult;
    upstash: UpstashErasureResult;
    n8n: N8nErasureResult;
    suppression: SuppressionResult;
  };
  verification: VerificationResult;
  residualWindows: ResidualWindow[];
}

export interface ReceiptSignature {
  alg: 'Ed25519';
  /** First 16 hex digits of SHA-256 over the raw public key. */
  keyId: string;
  /** base64url. */
  value: string;
}

export type SignedErasureReceipt = ErasureReceiptBody & { signature: ReceiptSignature };

export interface ReceiptSigner {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

const SEED_INFO = 'vigie/erasure-receipt/ed25519/v1';
// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): the fixed DER prefix, then 32 bytes.
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/**
 * The signing key derived from a secret (`RECEIPT_SIGNING_KEY`), or read from an Ed25519
 * PKCS#8 PEM. Derivation means the operator keeps one secret; the public key follows from it.
 */
export function receiptSignerFrom(secretOrPem: string): ReceiptSigner {
  let privateKey: KeyObject;
  if (secretOrPem.includes('-----BEGIN')) {
    privateKey = createPrivateKey(secretOrPem);
    if (privateKey.asymmetricKeyType !== 'ed25519') {
      throw new RangeError('the receipt signing key must be an Ed25519 key');
    }
  } else {
    if (secretOrPem.length < 32) {
      throw new RangeError('the receipt signing secret must be ≥ 32 characters');
    }
    const seed = Buffer.from(hkdfSync('sha256', secretOrPem, Buffer.alloc(0), SEED_INFO, 32));
    privateKey = createPrivateKey({
      key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
  }
  const publicKey = createPublicKey(privateKey);
  return { keyId: receiptKeyId(publicKey), privateKey, publicKey };
}

/** The raw 32-byte public key, base64url: what an operator publishes for verifiers. */
export function exportReceiptPublicKey(publicKey: KeyObject): string {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return der.subarray(SPKI_ED25519_PREFIX.length).toString('base64url');
}

/** Reads a public key given as raw base64url (as exported above) or as an SPKI PEM. */
export function importReceiptPublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  const key = trimmed.includes('-----BEGIN')
    ? createPublicKey(trimmed)
    : createPublicKey({
        key: Buffer.concat([SPKI_ED25519_PREFIX, decodeRawKey(trimmed)]),
        format: 'der',
        type: 'spki',
      });
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new RangeError('expected an Ed25519 public key');
  }
  return key;
}

export function receiptKeyId(publicKey: KeyObject): string {
  const raw = Buffer.from(exportReceiptPublicKey(publicKey), 'base64url');
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

export function signReceipt(body: ErasureReceiptBody, signer: ReceiptSigner): SignedErasureReceipt {
  const value = sign(null, canonicalBytes(body), signer.privateKey).toString('base64url');
  return { ...body, signature: { alg: 'Ed25519', keyId: signer.keyId, value } };
}

export type ReceiptVerdict =
  { ok: true; receipt: SignedErasureReceipt } | { ok: false; reason: string };

/** Checks shape, key id and signature; never throws on bad input. */
export function verifyReceipt(document: unknown, publicKey: KeyObject): ReceiptVerdict {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  const { signature, ...body } = document as Record<string, unknown>;
  if (body.type !== RECEIPT_TYPE) {
    return { ok: false, reason: `not an erasure receipt (type must be "${RECEIPT_TYPE}")` };
  }
  if (typeof signature !== 'object' || signature === null) {
    return { ok: false, reason: 'the receipt has no signature' };
  }
  const sig = signature as Partial<ReceiptSignature>;
  if (sig.alg !== 'Ed25519' || typeof sig.value !== 'string' || typeof sig.keyId !== 'string') {
    return { ok: false, reason: 'signature must be {alg: "Ed25519", keyId, value}' };
  }
  const expectedKeyId = receiptKeyId(publicKey);
  if (sig.keyId !== expectedKeyId) {
    return {
      ok: false,
      reason: `signed with key ${sig.keyId}, but the key given is ${expectedKeyId}`,
    };
  }
  let valid: boolean;
  try {
    valid = verify(null, canonicalBytes(body), publicKey, Buffer.from(sig.value, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'the signature does not match the receipt content' };
  return { ok: true, receipt: document as SignedErasureReceipt };
}

function canonicalBytes(body: unknown): Buffer {
  const text = canonicalize(body);
  if (text === undefined) throw new TypeError('the receipt cannot be serialised');
  return Buffer.from(text, 'utf8');
}

function decodeRawKey(text: string): Buffer {
  const raw = Buffer.from(text.replace(/^ed25519:/, ''), 'base64url');
  if (raw.length !== 32) throw new RangeError('expected a 32-byte Ed25519 public key (base64url)');
  return raw;
}
