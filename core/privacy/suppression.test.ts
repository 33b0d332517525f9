import { describe, expect, it } from 'vitest';
import { parseKeyring } from './keyring.ts';
import { openSubject, sealSubject } from './subject-seal.ts';
import { suppressionDigests, suppressionLookupDigests } from './suppression.ts';

const key = parseKeyring(`k1:${'k'.repeat(32)}`);
const otherKey = parseKeyring(`k1:${'z'.repeat(32)}`);

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
    const other = suppressionDigests(otherKey, { email: 'x@y.test' });
    expect(one).toHaveLength(1);
    expect(one[0]?.digest).not.toBe(other[0]?.digest);
    expect(suppressionDigests(key, { email: '  ', linkedinUrl: null })).toEqual([]);
    expect(() => parseKeyring('k1:short')).toThrow(/32/);
  });
});

describe('sealSubject', () => {
  it('round-trips, hides the identifiers and is bound to its request id', () => {
    const subject = { email: 'jane@example.test', linkedinUrl: 'linkedin.com/in/jane' };
    const sealed = sealSubject(key, subject, 'request-1');
    expect(sealed).not.toMatch(/jane/);
    expect(openSubject(key, sealed, 'request-1')).toEqual(subject);
    expect(() => openSubject(key, sealed, 'request-2')).toThrow();
    expect(() => openSubject(otherKey, sealed, 'request-1')).toThrow();
  });

  it('refuses a tag truncated to fewer than 16 bytes (GCM accepts 4-byte tags unless told)', () => {
    const sealed = sealSubject(key, { email: 'jane@example.test', linkedinUrl: null }, 'r');
    const [version, keyId, iv, tag, body] = sealed.split('.') as [
      string,
      string,
      string,
      string,
      string,
    ];
    const full = Buffer.from(tag, 'base64url');
    expect(full).toHaveLength(16);
    for (const bytes of [4, 8, 12, 15]) {
      const truncated = [version, keyId, iv, full.subarray(0, bytes).toString('base64url'), body];
      expect(() => openSubject(key, truncated.join('.'), 'r')).toThrow();
    }
  });
});

describe('keyrings and rotation', () => {
  it('parses id:secret lists, newest first, and refuses bad ones without echoing secrets', () => {
    const ring = parseKeyring(`2026-11:${'a'.repeat(32)}, 2026-01:${'b'.repeat(40)}`);
    expect(ring.current.id).toBe('2026-11');
    expect(ring.all.map((k) => k.id)).toEqual(['2026-11', '2026-01']);
    for (const bad of ['', 'nocolon', `:${'a'.repeat(32)}`, `a b:${'a'.repeat(32)}`]) {
      expect(() => parseKeyring(bad)).toThrow(/id/);
    }
    expect(() => parseKeyring(`k:${'a'.repeat(32)},k:${'b'.repeat(32)}`)).toThrow(/unique/);
    try {
      parseKeyring(`k1:${'secret'.repeat(2)}`);
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
    }
  });

  it('new digests use the first key and carry its id; lookups try every key', () => {
    const before = suppressionDigests(key, { email: 'x@y.test' });
    const rotated = parseKeyring(`k2:${'n'.repeat(32)},k1:${'k'.repeat(32)}`);
    const after = suppressionDigests(rotated, { email: 'x@y.test' });
    expect(after[0]?.keyId).toBe('k2');
    expect(after[0]?.digest).not.toBe(before[0]?.digest);
    const lookup = suppressionLookupDigests(rotated, { email: 'x@y.test' }).map((d) => d.digest);
    expect(lookup).toContain(before[0]?.digest);
    expect(lookup).toContain(after[0]?.digest);
  });

  it('seals under the first key with its id; opens with the key named, after rotation too', () => {
    const seal = parseKeyring(`s1:${'s'.repeat(32)}`);
    const subject = { email: 'jane@example.test', linkedinUrl: null };
    const sealed = sealSubject(seal, subject, 'r');
    expect(sealed.startsWith('v2.s1.')).toBe(true);
    const rotated = parseKeyring(`s2:${'t'.repeat(32)},s1:${'s'.repeat(32)}`);
    expect(openSubject(rotated, sealed, 'r')).toEqual(subject);
    expect(sealSubject(rotated, subject, 'r').startsWith('v2.s2.')).toBe(true);
    expect(() => openSubject(parseKeyring(`s2:${'t'.repeat(32)}`), sealed, 'r')).toThrow(
      /key "s1" is not in SUBJECT_SEAL_KEYS/,
    );
  });
});
