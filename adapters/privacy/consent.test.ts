import { describe, expect, it } from 'vitest';
import { checkConsentDate } from './consent.ts';

const NOW = new Date('2026-11-26T10:00:00Z');

describe('checkConsentDate', () => {
  it('accepts 2000-01-01 and up to 5 minutes of clock skew', () => {
    expect(() => checkConsentDate(new Date('2000-01-01T00:00:00Z'), NOW)).not.toThrow();
    expect(() => checkConsentDate(new Date('2026-11-26T10:05:00Z'), NOW)).not.toThrow();
  });

  it('rejects year 0, 1899, the last second of 1999 and 5 minutes + 1 ms ahead', () => {
    for (const at of ['0000-01-01T00:00:00Z', '1899-06-01T00:00:00Z', '1999-12-31T23:59:59Z']) {
      expect(() => checkConsentDate(new Date(at), NOW)).toThrow(/on or after 2000-01-01/);
    }
    expect(() => checkConsentDate(new Date(NOW.getTime() + 5 * 60_000 + 1), NOW)).toThrow(/future/);
    expect(() => checkConsentDate(new Date('nonsense'), NOW)).toThrow(/not a valid date/);
  });
});
