/**
 * Fault knobs shared by the monitoring stand-ins (Better Stack, Anthropic admin, Upstash
 * management, PhantomBuster resources): what a collector must survive without a false
 * all-green. `no-answer` holds the request open until the client gives up or the server closes.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono, MiddlewareHandler } from 'hono';

export type FaultMode = 'none' | 'server-error' | 'rate-limited' | 'malformed' | 'no-answer';

export interface HttpFaults {
  mode: FaultMode;
  /** Sent as `Retry-After` (seconds) with `rate-limited`. */
  retryAfterSeconds: number;
  latencyMs: number;
}

export function defaultFaults(): HttpFaults {
  return { mode: 'none', retryAfterSeconds: 30, latencyMs: 0 };
}

/** Applies `faults` (read on every request, so tests flip them live) before the real route. */
export function faultMiddleware(faults: HttpFaults, closing: AbortSignal): MiddlewareHandler {
  return async (c, next) => {
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    switch (faults.mode) {
      case 'server-error':
        return c.json({ error: 'internal error (fault injected)' }, 503);
      case 'rate-limited':
        c.header('retry-after', String(faults.retryAfterSeconds));
        return c.json({ error: 'rate limited (fault injected)' }, 429);
      case 'malformed':
        return c.body('{"data": [ {"truncated', 200, { 'content-type': 'application/json' });
      case 'no-answer':
        await new Promise<void>((resolve) => closing.addEventListener('abort', () => resolve()));
        return c.body(null, 503);
      case 'none':
        return next();
    }
  };
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 (port 0 unless given); `close` also drops held connections. */
export async function listen(app: Hono, port = 0, onClose?: () => void): Promise<RunningServer> {
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        onClose?.();
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
