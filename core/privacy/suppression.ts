/**
 * Suppression digests: HMAC-SHA256, keyed with `SUPPRESSION_HMAC_KEY`, of the normalized email
 * or LinkedIn URL. A plain hash of an email is still personal data and can be reversed by
 * hashing a list of candidates (Recital 26); a keyed one cannot without the key.
 */
import { createHmac } from 'node:crypto';
import { normalizeLinkedinUrl } from '../redis-keys.ts';

export type SuppressionKind = 'email' | 'linkedin';
export type SuppressionReason = 'erasure' | 'unsubscribe' | 'objection' | 'complaint';

export interface SuppressionIdentifiers {
  email?: string | null;
  linkedinUrl?: string | null;
}

export interface SuppressionDigest {
  kind: SuppressionKind;
  digest: string;
}

/** `  Jane.Doe@Example.COM ` and `jane.doe@example.com` are one address. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The digests to store or look up; identifiers that are empty after normalizing are skipped. */
export function suppressionDigests(
  hmacKey: string,
  identifiers: SuppressionIdentifiers,
): SuppressionDigest[] {
  if (hmacKey.length < 32) throw new RangeError('the suppression HMAC key must be ≥ 32 characters');
  const out: SuppressionDigest[] = [];
  const email = identifiers.email ? normalizeEmail(identifiers.email) : '';
  if (email !== '') out.push({ kind: 'email', digest: hmac(hmacKey, `email:${email}`) });
  const url = identifiers.linkedinUrl ? normalizeLinkedinUrl(identifiers.linkedinUrl) : '';
  if (url !== '') out.push({ kind: 'linkedin', digest: hmac(hmacKey, `linkedin:${url}`) });
  return out;
}

function hmac(key: string, text: string): string {
  return createHmac('sha256', key).update(text).digest('hex');
}
