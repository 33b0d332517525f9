import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSupabaseJwtVerifier, VERIFIED_CACHE_MS } from './verifier.ts';

const ISSUER = 'https://project.supabase.test/auth/v1';
const SECRET = 'legacy-hs256-secret-for-tests-only-0123456789';
const USER = '6f1c2f4e-9a7b-4c1d-8e2f-0a1b2c3d4e5f';
const T0 = new Date('2026-11-30T12:00:00Z');

function token(expiresInSeconds: number): Promise<string> {
  const iat = Math.floor(T0.getTime() / 1000);
  return new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(USER)
    .setAudience('authenticated')
    .setIssuer(ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(iat + expiresInSeconds)
    .sign(new TextEncoder().encode(SECRET));
}

function verifierAt(clock: { now: Date }) {
  return createSupabaseJwtVerifier({ issuer: ISSUER, jwtSecret: SECRET, now: () => clock.now });
}

afterEach(() => vi.restoreAllMocks());

describe('the verified-token cache', () => {
  it('checks the signature of a token once, then again after a minute', async () => {
    const signatures = vi.spyOn(globalThis.crypto.subtle, 'verify');
    const clock = { now: T0 };
    const verifier = verifierAt(clock);
    const t = await token(3600);
    for (let i = 0; i < 3; i += 1) expect((await verifier.verify(t)).userId).toBe(USER);
    expect(signatures).toHaveBeenCalledTimes(1);
    clock.now = new Date(T0.getTime() + VERIFIED_CACHE_MS + 1);
    expect((await verifier.verify(t)).userId).toBe(USER);
    expect(signatures).toHaveBeenCalledTimes(2);
  });

  it("never answers from the cache past the token's own expiry", async () => {
    const signatures = vi.spyOn(globalThis.crypto.subtle, 'verify');
    const clock = { now: T0 };
    const verifier = verifierAt(clock);
    const t = await token(10);
    await verifier.verify(t);
    // Past `exp` by more than the clock skew jose tolerates: a full check, which refuses it.
    clock.now = new Date(T0.getTime() + 75_000);
    await expect(verifier.verify(t)).rejects.toThrow(/expired/);
    expect(signatures).toHaveBeenCalledTimes(2);
  });

  it('verifies a token that differs by one byte in full, and refuses it', async () => {
    const clock = { now: T0 };
    const verifier = verifierAt(clock);
    const t = await token(3600);
    await verifier.verify(t);
    // A signature character whose every bit counts (the last one carries padding bits).
    const i = t.length - 10;
    const other = t[i] === 'A' ? 'Q' : 'A';
    await expect(verifier.verify(`${t.slice(0, i)}${other}${t.slice(i + 1)}`)).rejects.toThrow(
      /signature/,
    );
  });

  it('can be turned off', async () => {
    const signatures = vi.spyOn(globalThis.crypto.subtle, 'verify');
    const clock = { now: T0 };
    const verifier = createSupabaseJwtVerifier({
      issuer: ISSUER,
      jwtSecret: SECRET,
      now: () => clock.now,
      verifiedCacheMs: 0,
    });
    const t = await token(3600);
    await verifier.verify(t);
    await verifier.verify(t);
    expect(signatures).toHaveBeenCalledTimes(2);
  });
});
