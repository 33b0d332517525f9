/**
 * Fault knobs shared by the monitoring stand-ins (Better Stack, Anthropic admin, Upstash
 * management, PhantomBuster resources): what a collector must survive without a false
 * all-green. `no-answer` holds the request open until the client gives up or the server closes.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Context, Hono, MiddlewareHandler } from 'hono';

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

/** A provider's own shape for a fault's answer; the defaults are JSON. */
export interface FaultAnswers {
  serverError(c: Context): Response;
  rateLimited(c: Context, retryAfterSeconds: number): Response;
  malformed(c: Context): Response;
}

const jsonAnswers: FaultAnswers = {
  serverError: (c) => c.json({ error: 'internal error (fault injected)' }, 503),
  rateLimited: (c, seconds) => {
    c.header('retry-after', String(seconds));
    return c.json({ error: 'rate limited (fault injected)' }, 429);
  },
  malformed: (c) => c.body('{"data": [ {"truncated', 200, { 'content-type': 'application/json' }),
};

/** Applies `faults` (read on every request, so tests flip them live) before the real route. */
export function faultMiddleware(
  faults: HttpFaults,
  closing: AbortSignal,
  answers: FaultAnswers = jsonAnswers,
): MiddlewareHandler {
  return async (c, next) => {
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    switch (faults.mode) {
      case 'server-error':
        return answers.serverError(c);
      case 'rate-limited':
        return answers.rateLimited(c, faults.retryAfterSeconds);
      case 'malformed':
        return answers.malformed(c);
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
