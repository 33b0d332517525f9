import { Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createPool } from '../adapters/postgres/pool.ts';
import { parseConfig } from '../core/config.ts';
import { VigieError } from '../core/errors.ts';
import { createApp } from './app.ts';
import { DEFAULT_BODY_LIMIT_BYTES, httpStatusFor, readJson } from './errors.ts';

/** The real app plus a few routes that exercise the error layer; no dependency is reached. */
function app() {
  const a = createApp({
    config: parseConfig({ VIGIE_STAGE: 'local' }),
    // Lazy clients, never queried by these routes.
    pool: createPool('postgres://postgres@127.0.0.1:1/none'),
    redis: new Redis({ url: 'http://127.0.0.1:1', token: 'unused' }),
  });
  const consent = z.strictObject({
    prospectId: z.uuid(),
    consent: z.strictObject({ given: z.boolean(), source: z.string() }),
  });
  a.post('/t/consent', async (c) => c.json(await readJson(c, consent)));
  a.get('/t/limited', () => {
    throw new VigieError('RATE_LIMITED', 'Too many erasure requests.', {
      details: { retryAfterSeconds: 12.2 },
    });
  });
  a.get('/t/boom', () => {
    throw new Error('connection to postgres://secret@db failed');
  });
  a.get('/t/config', () => {
    throw new VigieError('CONFIG_INVALID', 'SUPPRESSION_HMAC_KEY is missing');
  });
  return a;
}

async function json(res: Response) {
  return (await res.json()) as Record<string, unknown>;
}

const valid = {
  prospectId: '2b0c9c7e-61c8-4a57-8f7e-3f3b5e3c1a10',
  consent: { given: true, source: 'form' },
};

describe('API error mapping', () => {
  it('maps each code to its status once', () => {
    expect(httpStatusFor('BAD_REQUEST')).toBe(400);
    expect(httpStatusFor('UNAUTHENTICATED')).toBe(401);
    expect(httpStatusFor('FORBIDDEN')).toBe(403);
    expect(httpStatusFor('NOT_FOUND')).toBe(404);
    expect(httpStatusFor('CONFLICT')).toBe(409);
    expect(httpStatusFor('PAYLOAD_TOO_LARGE')).toBe(413);
    expect(httpStatusFor('RATE_LIMITED')).toBe(429);
    expect(httpStatusFor('UNAVAILABLE')).toBe(503);
    expect(httpStatusFor('CONFIG_INVALID')).toBe(500);
  });

  it('answers unknown routes with a JSON 404 carrying the request id', async () => {
    const res = await app().request('/nope/here', { method: 'POST' });
    expect(res.status).toBe(404);
    const body = await json(res);
    expect(body).toMatchObject({ code: 'NOT_FOUND', message: 'No route for POST /nope/here.' });
    expect(body.requestId).toBe(res.headers.get('X-Request-Id'));
  });

  it('keeps a well-formed inbound X-Request-Id and replaces a bad one', async () => {
    const kept = await app().request('/nope', { headers: { 'X-Request-Id': 'trace-123' } });
    expect((await json(kept)).requestId).toBe('trace-123');
    const replaced = await app().request('/nope', { headers: { 'X-Request-Id': 'a b<c>' } });
    expect((await json(replaced)).requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses an oversized body with 413, by Content-Length and when streamed', async () => {
    const big = JSON.stringify({ ...valid, pad: 'x'.repeat(DEFAULT_BODY_LIMIT_BYTES) });
    const declared = await app().request('/t/consent', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(await json(declared)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });

    const chunks = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < chunks.length; i += 8192) controller.enqueue(chunks.slice(i, i + 8192));
        controller.close();
      },
    });
    const streamed = await app().request('/t/consent', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('refuses unknown JSON fields by name, at any depth', async () => {
    const res = await app().request('/t/consent', {
      method: 'POST',
      body: JSON.stringify({ ...valid, isAdmin: true, consent: { ...valid.consent, ip: '1' } }),
    });
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.code).toBe('BAD_REQUEST');
    expect(body.message).toMatch(/unknown field isAdmin/);
    expect(body.message).toMatch(/unknown field consent\.ip/);
  });

  it('names invalid fields and refuses non-JSON bodies', async () => {
    const bad = await app().request('/t/consent', {
      method: 'POST',
      body: JSON.stringify({ ...valid, prospectId: 'x' }),
    });
    expect(bad.status).toBe(400);
    expect((await json(bad)).message).toMatch(/prospectId/);
    const notJson = await app().request('/t/consent', { method: 'POST', body: '{"a":' });
    expect(notJson.status).toBe(400);
    expect((await json(notJson)).message).toMatch(/not valid JSON/);
    const ok = await app().request('/t/consent', { method: 'POST', body: JSON.stringify(valid) });
    expect(await json(ok)).toEqual(valid);
  });

  it('sets Retry-After on 429', async () => {
    const res = await app().request('/t/limited');
    expect(res.status).toBe(429);
    expect(res.headers.get('Retry-After')).toBe('13');
    expect(await json(res)).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('turns unknown errors and server-side codes into an opaque 500', async () => {
    for (const path of ['/t/boom', '/t/config']) {
      const res = await app().request(path);
      expect(res.status).toBe(500);
      const body = await json(res);
      expect(Object.keys(body).sort()).toEqual(['code', 'requestId']);
      expect(body.code).toBe('INTERNAL');
      expect(JSON.stringify(body)).not.toMatch(/secret|SUPPRESSION/);
    }
  });
});
