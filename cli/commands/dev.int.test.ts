import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSupabaseJwtVerifier } from '../../adapters/supabase-auth/index.ts';
import { startSupabaseAuthStandIn } from '../../sandbox/supabase-auth/stand-in.ts';
import { createDevToken } from './dev.ts';

const USER = '0d7f3c1a-5b2e-4f6a-9c8d-7e6f5a4b3c2d';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigie-dev-token-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vigie dev token', () => {
  it('explains what to do when local staging has never run', async () => {
    await expect(createDevToken({ stateDir: dir, userId: USER })).rejects.toThrow(
      /No local Supabase Auth signing key .* run `npm start` once/,
    );
  });

  it('refuses a user id that is not a UUID', async () => {
    await expect(createDevToken({ stateDir: dir, userId: 'alice' })).rejects.toThrow(/UUID/);
  });

  it('prints a token the stand-in JWKS verifies, also after a restart', async () => {
    const first = await startSupabaseAuthStandIn({ stateDir: dir });
    const kid = first.key.kid;
    await first.close();
    // Restart: same persisted key, new port, so a new issuer is recorded.
    const standIn = await startSupabaseAuthStandIn({ stateDir: dir });
    try {
      expect(standIn.key.kid).toBe(kid);
      const token = await createDevToken({ stateDir: dir, userId: USER, ttlSeconds: 120 });
      const verifier = createSupabaseJwtVerifier({
        jwksUrl: standIn.jwksUrl,
        issuer: standIn.issuer,
      });
      const { userId, claims } = await verifier.verify(token);
      expect(userId).toBe(USER);
      expect(claims.exp - (claims.iat ?? 0)).toBe(120);
      expect(claims).not.toHaveProperty('email');
    } finally {
      await standIn.close();
    }
  });
});
