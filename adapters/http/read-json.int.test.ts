import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './read-json.ts';

/** A provider answering 429 with `Retry-After` as an HTTP date, as RFC 9110 allows. */
let server: Server;
let url = '';
let retryAfter = '';

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(429, { 'retry-after': retryAfter, 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
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
    const app = createServer((req, res) => {
      const status = Number(req.url!.slice(1));
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(status === 400 ? '{"message":"running execution"}' : 'not json');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
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
      await new Promise((resolve) => app.close(resolve));
    }
  });
});
