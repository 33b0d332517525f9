import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type TestHttpServer } from '../../testkit/http-server.ts';
import { readJson } from './read-json.ts';

/** A provider answering 429 with `Retry-After` as an HTTP date, as RFC 9110 allows. */
let server: TestHttpServer;
let url = '';
let retryAfter = '';

beforeAll(async () => {
  server = await startHttpServer((_req, res) => {
    res.writeHead(429, { 'retry-after': retryAfter, 'content-type': 'application/json' });
    res.end('{}');
  });
  url = server.url;
});
afterAll(async () => {
  await server.close();
});

describe('readJson on a 429', () => {
  it('reads Retry-After given as an HTTP date, not only as seconds', async () => {
    retryAfter = new Date(Date.now() + 120_000).toUTCString();
    const error = await readJson(url, {}, { source: 'p' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'rate-limited' });
    const wait = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    expect(wait).toBeGreaterThan(100);
    expect(wait).toBeLessThanOrEqual(120);
    retryAfter = '7';
    await expect(readJson(url, {}, { source: 'p' })).rejects.toMatchObject({
      retryAfterSeconds: 7,
    });
  });
});

describe('readJson with statuses the caller handles', () => {
  it('hands back a handled status with its JSON body; 429 stays a rate-limited error', async () => {
    const app = await startHttpServer((req, res) => {
      const status = Number(req.url!.slice(1));
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(status === 400 ? '{"message":"running execution"}' : 'not json');
    });
    const base = app.url;
    try {
      const handles = () => true;
      expect(await readJson(`${base}/400`, {}, { source: 'p', handles })).toMatchObject({
        status: 400,
        body: { message: 'running execution' },
      });
      expect(await readJson(`${base}/404`, {}, { source: 'p', handles })).toMatchObject({
        status: 404,
        body: undefined,
      });
      await expect(readJson(`${base}/429`, {}, { source: 'p', handles })).rejects.toMatchObject({
        reason: 'rate-limited',
        retryAfterSeconds: 3,
      });
      // Unhandled, the same 404 is a refusal.
      await expect(readJson(`${base}/404`, {}, { source: 'p' })).rejects.toMatchObject({
        reason: 'refused',
        status: 404,
      });
    } finally {
      await app.close();
    }
  });
});

describe('readJson against a provider that answers badly', () => {
  let bad: TestHttpServer;
  let base = '';
  beforeAll(async () => {
    bad = await startHttpServer((req, res) => {
      if (req.url === '/silent') return; // accepts, never answers
      if (req.url === '/stalled-body') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data":['); // headers and a start, then nothing
        return;
      }
      if (req.url === '/endless') {
        // No Content-Length: 64 KiB chunks for as long as the client keeps reading.
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
        return;
      }
      if (req.url === '/declared-huge') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 50_000_000 });
        res.write('[');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Bad gateway for customer jane@example.org</body></html>');
    });
    base = bad.url;
  });
  afterAll(async () => {
    await bad.close();
  });

  it('times out a server that accepts the connection and never answers', async () => {
    await expect(
      readJson(`${base}/silent`, {}, { source: 'p', timeoutMs: 200 }),
    ).rejects.toMatchObject({ reason: 'timeout' });
  });

  it('times out a body that never ends, rather than reading it as empty', async () => {
    const error = await readJson(`${base}/stalled-body`, {}, { source: 'p', timeoutMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'ProviderReadError', reason: 'timeout' });
  });

  it('stops reading a body past its byte bound, whether or not its length is declared', async () => {
    for (const path of ['/endless', '/declared-huge']) {
      const error = await readJson(`${base}${path}`, {}, { source: 'p', timeoutMs: 20_000 }).catch(
        (e: unknown) => e,
      );
      expect(error, path).toMatchObject({ name: 'ProviderReadError', reason: 'malformed' });
    }
    const small = await readJson(
      `${base}/endless`,
      {},
      { source: 'p', timeoutMs: 20_000, maxBytes: 100_000 },
    ).catch((e: unknown) => e);
    expect(small).toMatchObject({ reason: 'malformed' });
    expect((small as Error).message).toContain('100000 bytes');
  });

  it('reads an HTML page with 200 as malformed, without the page text in the error or its cause', async () => {
    const error = await readJson(`${base}/html`, {}, { source: 'p' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'malformed', status: 200 });
    let text = '';
    for (let e: unknown = error; e instanceof Error; e = e.cause) text += `${e.message}\n`;
    expect(text).not.toMatch(/html|jane/i);
  });
});
