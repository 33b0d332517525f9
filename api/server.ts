import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

export interface RunningServer {
  url: string;
  port: number;
  /**
   * Stops accepting connections and closes idle keep-alive ones at once; requests in flight
   * get `graceMs` (default 0) to finish, then their connections are closed too.
   */
  close(graceMs?: number): Promise<void>;
}

/** Serves the app on 127.0.0.1 (port 0 picks a free one). */
export function serveApp(
  app: Hono,
  options: { port: number; host?: string },
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: host }, (info) => {
      resolve({
        url: `http://${host}:${info.port}`,
        port: info.port,
        close: (graceMs = 0) =>
          new Promise<void>((done) => {
            if (!('closeAllConnections' in server)) return void server.close(() => done());
            // Keep-alive sockets would hold close() open until they time out.
            const timer = setTimeout(() => server.closeAllConnections(), graceMs);
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
    server.once('error', reject);
  });
}
