/**
 * An erasure request is about a person: the requested prospect and the customer's other
 * records with the same normalised email or LinkedIn URL (docs/privacy-erasure.md). These
 * helpers give every identifier of that person once, normalised the way each store compares.
 */
import { normalizeLinkedinUrl } from '../redis-keys.ts';
import type { ErasureSubject } from './subject-seal.ts';
import { normalizeEmail } from './suppression.ts';

export interface PersonIdentifiers {
  /** Raw values as stored (the first of each normalised value), never empty once normalised. */
  emails: string[];
  linkedinUrls: string[];
}

/** The subject's own identifiers and those of its aliases, one per normalised value. */
export function personIdentifiers(subject: ErasureSubject): PersonIdentifiers {
  const records = [subject, ...(subject.aliases ?? [])];
  return {
    emails: uniqueBy(
      records.map((r) => r.email),
      normalizeEmail,
    ),
    linkedinUrls: uniqueBy(
      records.map((r) => r.linkedinUrl),
      normalizeLinkedinUrl,
    ),
  };
}

/** The pairs the suppression list records: the subject's own and each alias's. */
export function personRecords(
  subject: ErasureSubject,
): Array<{ email: string | null; linkedinUrl: string | null }> {
  return [{ email: subject.email, linkedinUrl: subject.linkedinUrl }, ...(subject.aliases ?? [])];
}

function uniqueBy(values: Array<string | null>, normalize: (v: string) => string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const value of values) {
    if (value === null) continue;
    const key = normalize(value);
    if (key === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(value);
  }
  return out;
}
