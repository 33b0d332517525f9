/**
 * Suppression digests: HMAC-SHA256, keyed with `SUPPRESSION_HMAC_KEYS` (a keyring: new digests
 * under the first key, stored with its id; lookups under every key, so digests made before a
 * rotation still match), of the normalized email or LinkedIn URL. A plain hash of an email is
 * still personal data and can be reversed by hashing a list of candidates (Recital 26); a
 * keyed one cannot without the key.
 */
import { createHmac } from 'node:crypto';
import { normalizeLinkedinUrl } from '../redis-keys.ts';
import type { Keyring } from './keyring.ts';

export type SuppressionKind = 'email' | 'linkedin';
export type SuppressionReason = 'erasure' | 'unsubscribe' | 'objection' | 'complaint';

export interface SuppressionIdentifiers {
  email?: string | null;
  linkedinUrl?: string | null;
}

export interface SuppressionDigest {
  kind: SuppressionKind;
  digest: string;
  /** The id of the key the digest was made with (stored beside it). */
  keyId: string;
}

/** `  Jane.Doe@Example.COM ` and `jane.doe@example.com` are one address. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The digests to store: under the keyring's current key. */
export function suppressionDigests(
  keys: Keyring,
  identifiers: SuppressionIdentifiers,
): SuppressionDigest[] {
  return digestsWith(keys.current.id, keys.current.secret, identifiers);
}

/** The digests to look up: under every key of the ring, current first. */
export function suppressionLookupDigests(
  keys: Keyring,
  identifiers: SuppressionIdentifiers,
): SuppressionDigest[] {
  return keys.all.flatMap((k) => digestsWith(k.id, k.secret, identifiers));
}

/** Identifiers that are empty after normalizing are skipped. */
function digestsWith(
  keyId: string,
  hmacKey: string,
  identifiers: SuppressionIdentifiers,
): SuppressionDigest[] {
  if (hmacKey.length < 32) throw new RangeError('the suppression HMAC key must be ≥ 32 characters');
  const out: SuppressionDigest[] = [];
  const email = identifiers.email ? normalizeEmail(identifiers.email) : '';
  if (email !== '') out.push({ kind: 'email', digest: hmac(hmacKey, `email:${email}`), keyId });
  const url = identifiers.linkedinUrl ? normalizeLinkedinUrl(identifiers.linkedinUrl) : '';
  if (url !== '') {
    out.push({ kind: 'linkedin', digest: hmac(hmacKey, `linkedin:${url}`), keyId });
  }
  return out;
}

function hmac(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}
