import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type JWK,
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
} from 'jose';
import { VigieError } from '../../core/errors.ts';

/**
 * The local Supabase Auth signing key: one ES256 (P-256) key, as Supabase recommends for new
 * projects. Persisted under `<stateDir>/supabase-auth/` so tokens printed by
 * `vigie dev token` keep working across restarts of local staging.
 */
export interface SigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export interface TokenRequest {
  /** The user's UUID (`sub`). */
  userId: string;
  issuer: string;
  ttlSeconds?: number;
  now?: Date;
  /** Extra or replaced claims (tests use it for wrong aud/iss/role). */
  claims?: Record<string, unknown>;
}

const KEY_FILE = 'signing-key.json';
const ISSUER_FILE = 'issuer.json';

export function defaultStateDir(): string {
  return process.env.VIGIE_STATE_DIR ?? join(process.cwd(), '.vigie');
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' },
    publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig', key_ops: ['verify'] },
  };
}

/** Loads the persisted key, or `undefined` when local staging has never run. */
export async function loadSigningKey(stateDir: string): Promise<SigningKey | undefined> {
  const raw = await readOptional(join(stateDir, 'supabase-auth', KEY_FILE));
  return raw === undefined ? undefined : (JSON.parse(raw) as SigningKey);
}

export async function loadOrCreateSigningKey(stateDir: string): Promise<SigningKey> {
  const existing = await loadSigningKey(stateDir);
  if (existing) return existing;
  const key = await generateSigningKey();
  await mkdir(join(stateDir, 'supabase-auth'), { recursive: true, mode: 0o700 });
  await writeFile(join(stateDir, 'supabase-auth', KEY_FILE), JSON.stringify(key), { mode: 0o600 });
  return key;
}

/** The issuer the last local staging run served (its URL depends on the port it got). */
export async function saveIssuer(stateDir: string, issuer: string): Promise<void> {
  await mkdir(join(stateDir, 'supabase-auth'), { recursive: true, mode: 0o700 });
  await writeFile(join(stateDir, 'supabase-auth', ISSUER_FILE), JSON.stringify({ issuer }));
}

export async function loadIssuer(stateDir: string): Promise<string | undefined> {
  const raw = await readOptional(join(stateDir, 'supabase-auth', ISSUER_FILE));
  return raw === undefined ? undefined : (JSON.parse(raw) as { issuer: string }).issuer;
}

/** Signs a user access token shaped like Supabase's (no email: ids only). */
export async function signUserToken(key: SigningKey, request: TokenRequest): Promise<string> {
  const now = request.now ?? new Date();
  const iat = Math.floor(now.getTime() / 1000);
  const ttl = request.ttlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl <= 0) {
    throw new VigieError(
      'BAD_REQUEST',
      `--ttl must be a positive whole number of seconds (got ${ttl}).`,
    );
  }
  const claims = {
    aud: 'authenticated',
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'password', timestamp: iat }],
    is_anonymous: false,
    session_id: crypto.randomUUID(),
    iss: request.issuer,
    sub: request.userId,
    iat,
    exp: iat + ttl,
    ...request.claims,
  };
  const privateKey = await importJWK(key.privateJwk, 'ES256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .sign(privateKey);
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
