import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestHttpServer } from '../../testkit/http-server.ts';
import { createN8nClient } from './client.ts';

/** An n8n that answers every list with one execution and the same `nextCursor`, forever. */
let server: TestHttpServer;
let base = '';
let requests = 0;

beforeAll(async () => {
  server = await startHttpServer((_req, res) => {
    requests += 1;
    const execution = {
      id: String(requests),
      finished: true,
      mode: 'webhook',
      startedAt: '2026-11-26T09:00:00.000Z',
      stoppedAt: '2026-11-26T09:00:01.000Z',
      workflowId: 'wf-a',
      status: 'success',
      retryOf: null,
      retrySuccessId: null,
      waitTill: null,
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: [execution], nextCursor: 'same-cursor' }));
  });
  base = server.url;
});
afterAll(async () => {
  await server.close();
});

describe('n8n client against a cursor that loops', () => {
  it('iterateExecutions stops with invalid_response when n8n hands back a cursor already followed', async () => {
    const client = createN8nClient({ baseUrl: base, apiKey: 'k', timeoutMs: 2_000 });
    let seen = 0;
    const error = await (async () => {
      for await (const _ of client.iterateExecutions({ limit: 1 })) {
        seen += 1;
        // Without a guard this never ends; fail the test instead of hanging it.
        if (seen > 50) return new Error('still iterating after 50 pages');
      }
      return undefined;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'N8nApiError', kind: 'invalid_response' });
    expect((error as Error).message).toMatch(/nextCursor/);
    // The first page and the one at 'same-cursor'; never that page again.
    expect(seen).toBe(2);
  });
});
