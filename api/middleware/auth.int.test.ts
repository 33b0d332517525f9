import { Redis } from '@upstash/redis';
import { SignJWT, base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../adapters/postgres/pool.ts';
import { CLOCK_SKEW_SECONDS } from '../../adapters/supabase-auth/index.ts';
import { type Config, parseConfig } from '../../core/config.ts';
import { generateSigningKey, signUserToken } from '../../sandbox/supabase-auth/keys.ts';
import {
  type SupabaseAuthStandIn,
  startSupabaseAuthStandIn,
} from '../../sandbox/supabase-auth/stand-in.ts';
import { createApp } from '../app.ts';
import { requireUser } from './auth.ts';

const USER = '6f1c2f4e-9a7b-4c1d-8e2f-0a1b2c3d4e5f';
const SECRET = 'legacy-hs256-secret-for-tests-only-0123456789';

let auth: SupabaseAuthStandIn;

beforeAll(async () => {
  auth = await startSupabaseAuthStandIn({ stateDir: 'memory' });
});
afterAll(async () => {
  await auth.close();
});

/** The real app with one protected route; Postgres and Redis are never reached by it. */
function appWith(env: Record<string, string>) {
  const config: Config = parseConfig({ VIGIE_STAGE: 'local', ...env });
  const deps = {
    config,
    // Lazy clients: the routes under test never query them, so nothing listens there.
    pool: createPool('postgres://postgres@127.0.0.1:1/none'),
    redis: new Redis({ url: 'http://127.0.0.1:1', token: 'unused' }),
  };
  const app = createApp(deps);
  app.get('/me', requireUser(deps), (c) => c.json({ userId: c.get('userId') }));
  return app;
}

function jwksEnv(standIn = auth): Record<string, string> {
  return { SUPABASE_JWKS_URL: standIn.jwksUrl, SUPABASE_JWT_ISSUER: standIn.issuer };
}

async function get(app: ReturnType<typeof appWith>, token?: string, header?: string) {
  const headers: Record<string, string> = {};
  if (header !== undefined) headers.Authorization = header;
  else if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  const res = await app.request('/me', { headers });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

function expect401(result: { status: number; body: Record<string, string> }, says: RegExp) {
  expect(result.status).toBe(401);
  expect(result.body.code).toBe('UNAUTHENTICATED');
  expect(result.body.message).toMatch(says);
  expect(result.body.requestId).toMatch(/\S/);
}

describe('requireUser with JWKS (ES256) tokens from the Supabase Auth stand-in', () => {
  let app: ReturnType<typeof appWith>;
  beforeAll(() => {
    app = appWith(jwksEnv());
  });

  it('accepts a token signed by the project key and exposes the user id', async () => {
    const token = await auth.signToken({ userId: USER });
    expect(await get(app, token)).toEqual({ status: 200, body: { userId: USER } });
  });

  it('caches the JWKS instead of fetching it per request', async () => {
    const before = auth.jwksRequests();
    for (let i = 0; i < 5; i++) {
      expect((await get(app, await auth.signToken({ userId: USER }))).status).toBe(200);
    }
    expect(auth.jwksRequests() - before).toBeLessThanOrEqual(1);
  });

  it('refuses a missing header, a non-Bearer header and a malformed token', async () => {
    expect401(await get(app), /Missing Authorization header/);
    expect401(await get(app, undefined, 'Basic dXNlcjpwYXNz'), /must be "Bearer/);
    expect401(await get(app, 'not-a-jwt'), /Malformed token/);
    expect401(await get(app, 'a.b.c'), /Malformed token/);
  });

  it('refuses an expired token but tolerates small clock skew', async () => {
    const now = Date.now();
    const expired = await auth.signToken({
      userId: USER,
      ttlSeconds: 60,
      now: new Date(now - 2 * 3600_000),
    });
    expect401(await get(app, expired), /expired/);
    const justExpired = await auth.signToken({
      userId: USER,
      ttlSeconds: 60,
      now: new Date(now - 65_000),
    });
    expect((await get(app, justExpired)).status).toBe(200);
  });

  it('refuses a token issued in the future beyond the 60 s clock skew, accepts within it', async () => {
    const now = Date.now();
    const ahead = (seconds: number) =>
      auth.signToken({ userId: USER, ttlSeconds: 3600, now: new Date(now + seconds * 1000) });
    expect401(await get(app, await ahead(10 * 60)), /iat is in the future/);
    expect401(await get(app, await ahead(CLOCK_SKEW_SECONDS + 30)), /iat is in the future/);
    expect((await get(app, await ahead(CLOCK_SKEW_SECONDS - 20))).status).toBe(200);
  });

  it('refuses alg "none" and never echoes the token', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(
      JSON.stringify({
        sub: USER,
        aud: 'authenticated',
        role: 'authenticated',
        iss: auth.issuer,
        exp: Math.floor(Date.now() / 1000) + 3600,
      }),
    );
    const token = `${header}.${payload}.`;
    const result = await get(app, token);
    expect401(result, /alg "none"/);
    expect(JSON.stringify(result.body)).not.toContain(payload);
  });

  it('refuses a token signed with a key the project does not publish', async () => {
    const other = await generateSigningKey();
    const token = await signUserToken(other, { userId: USER, issuer: auth.issuer });
    expect401(await get(app, token), /key this project does not publish/);
  });

  it('refuses a forged token that reuses the project key id', async () => {
    const other = await generateSigningKey();
    const forged = await signUserToken(
      { ...other, kid: auth.key.kid, privateJwk: { ...other.privateJwk, kid: auth.key.kid } },
      { userId: USER, issuer: auth.issuer },
    );
    expect401(await get(app, forged), /signature does not verify/);
  });

  it('refuses wrong audience, issuer, role and a non-UUID subject', async () => {
    const sign = (claims: Record<string, unknown>) => auth.signToken({ userId: USER, claims });
    expect401(await get(app, await sign({ aud: 'anon' })), /audience/);
    expect401(await get(app, await sign({ iss: 'http://127.0.0.1:9/auth/v1' })), /issuer/);
    expect401(await get(app, await sign({ role: 'anon' })), /role must be "authenticated"/);
    expect401(await get(app, await sign({ sub: 'not-a-uuid' })), /sub must be a user UUID/);
  });

  it('refuses HS256 when no legacy secret is configured', async () => {
    const token = await hs256(SECRET, auth.issuer);
    expect401(await get(app, token), /HS256 tokens are not accepted/);
  });
});

describe('requireUser with the legacy HS256 secret configured', () => {
  it('accepts a token signed with the secret and refuses one signed with another', async () => {
    const app = appWith({ ...jwksEnv(), SUPABASE_JWT_SECRET: SECRET });
    expect(await get(app, await hs256(SECRET, auth.issuer))).toEqual({
      status: 200,
      body: { userId: USER },
    });
    expect401(
      await get(app, await hs256('another-secret-of-sufficient-length-000000', auth.issuer)),
      /signature does not verify/,
    );
    // ES256 tokens still work beside it.
    expect((await get(app, await auth.signToken({ userId: USER }))).status).toBe(200);
  });
});

describe('when the keys cannot be fetched', () => {
  it('answers 503 UNAVAILABLE during a JWKS outage, then recovers', async () => {
    const standIn = await startSupabaseAuthStandIn({ stateDir: 'memory' });
    try {
      const app = appWith(jwksEnv(standIn));
      const token = await standIn.signToken({ userId: USER });
      standIn.faults.outage = true;
      const down = await get(app, token);
      expect(down.status).toBe(503);
      expect(down.body.code).toBe('UNAVAILABLE');
      expect(down.body.message).toMatch(/JWKS/);
      standIn.faults.outage = false;
      expect((await get(app, token)).status).toBe(200);
    } finally {
      await standIn.close();
    }
  });

  it('answers 503 when nothing listens at the JWKS URL', async () => {
    const standIn = await startSupabaseAuthStandIn({ stateDir: 'memory' });
    const env = jwksEnv(standIn);
    const token = await standIn.signToken({ userId: USER });
    await standIn.close();
    const result = await get(appWith(env), token);
    expect(result.status).toBe(503);
    expect(result.body.code).toBe('UNAVAILABLE');
  });

  it('answers 503 naming the settings when auth is not configured at all', async () => {
    const result = await get(appWith({}), await auth.signToken({ userId: USER }));
    expect(result.status).toBe(503);
    expect(result.body.message).toMatch(/SUPABASE_JWT_ISSUER/);
  });
});

function hs256(secret: string, issuer: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'authenticated' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(USER)
    .setAudience('authenticated')
    .setIssuer(issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(new TextEncoder().encode(secret));
}
