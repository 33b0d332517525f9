import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestHttpServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** Stops listening and drops held connections (a stalled answer would keep `close` waiting). */
  close(): Promise<void>;
}

/**
 * A plain `node:http` server on 127.0.0.1 and a free port: a provider that misbehaves at the
 * socket level (stalls, endless bodies, pages that loop), which a stand-in never does.
 */
export async function startHttpServer(handler: RequestListener): Promise<TestHttpServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
