/**
 * Local Supabase Auth stand-in: serves the project's JWKS at
 * `/auth/v1/.well-known/jwks.json` (Supabase docs, guides/auth/signing-keys and jwt-fields;
 * docs/providers/privacy.md) and signs user access tokens shaped like
 * Supabase's (`iss = <base>/auth/v1`, `aud = role = authenticated`). Fault knobs: outage
 * (JWKS answers 503) and latency.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import {
  type SigningKey,
  defaultStateDir,
  generateSigningKey,
  loadOrCreateSigningKey,
  saveIssuer,
  signUserToken,
} from './keys.ts';

export interface SupabaseAuthStandInOptions {
  port?: number;
  /** `'memory'` for tests; otherwise the key persists in `<stateDir>/supabase-auth/`. */
  stateDir?: string | 'memory';
}

export interface SupabaseAuthFaults {
  outage: boolean;
  latencyMs: number;
}

export interface SupabaseAuthStandIn {
  url: string;
  issuer: string;
  jwksUrl: string;
  key: SigningKey;
  faults: SupabaseAuthFaults;
  /** How many times the JWKS was served (to observe client caching). */
  jwksRequests(): number;
  signToken(request: {
    userId: string;
    ttlSeconds?: number;
    now?: Date;
    claims?: Record<string, unknown>;
  }): Promise<string>;
  close(): Promise<void>;
}

export async function startSupabaseAuthStandIn(
  options: SupabaseAuthStandInOptions = {},
): Promise<SupabaseAuthStandIn> {
  const stateDir = options.stateDir ?? defaultStateDir();
  const key =
    stateDir === 'memory' ? await generateSigningKey() : await loadOrCreateSigningKey(stateDir);
  const faults: SupabaseAuthFaults = { outage: false, latencyMs: 0 };
  let served = 0;

  const app = new Hono();
  app.use('*', async (c, next) => {
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.outage) return c.json({ message: 'Service Unavailable' }, 503);
    return next();
  });
  app.get('/auth/v1/.well-known/jwks.json', (c) => {
    served += 1;
    c.header('Cache-Control', 'public, max-age=600');
    return c.json({ keys: [key.publicJwk] });
  });

  const server = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const issuer = `${url}/auth/v1`;
  if (stateDir !== 'memory') await saveIssuer(stateDir, issuer);

  return {
    url,
    issuer,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    key,
    faults,
    jwksRequests: () => served,
    signToken: (request) => signUserToken(key, { ...request, issuer }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets from fetch would otherwise hold close() open.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
