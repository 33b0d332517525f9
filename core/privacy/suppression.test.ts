import { describe, expect, it } from 'vitest';
import { openSubject, sealSubject } from './subject-seal.ts';
import { suppressionDigests } from './suppression.ts';

const key = 'k'.repeat(32);

describe('suppressionDigests', () => {
  it('normalizes before hashing, so variants of one identifier match', () => {
    const a = suppressionDigests(key, {
      email: ' Jane.Doe@Example.com ',
      linkedinUrl: 'https://www.linkedin.com/in/jane-doe/?utm=x',
    });
    const b = suppressionDigests(key, {
      email: 'jane.doe@example.com',
      linkedinUrl: 'linkedin.com/in/Jane-Doe',
    });
    expect(a).toEqual(b);
    expect(a.map((d) => d.kind)).toEqual(['email', 'linkedin']);
    expect(a[0]?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(a)).not.toMatch(/jane/i);
  });

  it('depends on the key and skips missing identifiers', () => {
    const one = suppressionDigests(key, { email: 'x@y.test' });
    const other = suppressionDigests('z'.repeat(32), { email: 'x@y.test' });
    expect(one).toHaveLength(1);
    expect(one[0]?.digest).not.toBe(other[0]?.digest);
    expect(suppressionDigests(key, { email: '  ', linkedinUrl: null })).toEqual([]);
    expect(() => suppressionDigests('short', { email: 'x@y.test' })).toThrow(/32/);
  });
});

describe('sealSubject', () => {
  it('round-trips, hides the identifiers and is bound to its request id', () => {
    const subject = { email: 'jane@example.test', linkedinUrl: 'linkedin.com/in/jane' };
    const sealed = sealSubject(key, subject, 'request-1');
    expect(sealed).not.toMatch(/jane/);
    expect(openSubject(key, sealed, 'request-1')).toEqual(subject);
    expect(() => openSubject(key, sealed, 'request-2')).toThrow();
    expect(() => openSubject('z'.repeat(32), sealed, 'request-1')).toThrow();
  });

  it('refuses a tag truncated to fewer than 16 bytes (GCM accepts 4-byte tags unless told)', () => {
    const sealed = sealSubject(key, { email: 'jane@example.test', linkedinUrl: null }, 'r');
    const [version, iv, tag, body] = sealed.split('.') as [string, string, string, string];
    const full = Buffer.from(tag, 'base64url');
    expect(full).toHaveLength(16);
    for (const bytes of [4, 8, 12, 15]) {
      const truncated = [version, iv, full.subarray(0, bytes).toString('base64url'), body];
      expect(() => openSubject(key, truncated.join('.'), 'r')).toThrow();
    }
  });
});
