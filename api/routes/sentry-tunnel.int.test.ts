import { Redis } from '@upstash/redis';
import { Hono } from 'hono';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../adapters/postgres/pool.ts';
import { parseConfig } from '../../core/config.ts';
import { type SentryStandIn, startSentryStandIn } from '../../sandbox/sentry/server.ts';
import { buildBrowserBundleForTests } from '../../testkit/browser-bundle.ts';
import { launchChromium } from '../../testkit/chromium.ts';
import { type TestDatabase, createTestDatabase } from '../../testkit/pg.ts';
import { createApp } from '../app.ts';
import { type RunningServer, serveApp } from '../server.ts';

/**
 * The frontend path end to end: the browser bundle served by the app, an error thrown on a page,
 * the envelope through our tunnel route, scrubbed, at the Sentry stand-in. (It lives in api/
 * rather than web/ because web tests may not import the api app, by the lint boundaries.)
 */
let db: TestDatabase;
let pool: Pool;
let sentry: SentryStandIn;
let server: RunningServer;
let browser: Browser;
let app: Hono;
let unconfigured: Hono;

const DEMO_PAGE = (dsn: string): string => `<!doctype html>
<html><head><meta charset="utf-8"><title>demo</title>
<script src="/assets/sentry-browser.js" data-dsn="${dsn}" data-environment="test"></script>
</head><body><button id="signup">Sign up</button>
<script>
  document.getElementById('signup').addEventListener('click', () => {
    throw new Error('Signup failed for jane.doe@example.com, see https://www.linkedin.com/in/jane-doe');
  });
</script></body></html>`;

function envelope(dsn: string | undefined, eventId = 'a'.repeat(32)): string {
  const header = JSON.stringify({ event_id: eventId, ...(dsn ? { dsn } : {}) });
  const event = JSON.stringify({ event_id: eventId, message: 'hand-built', level: 'info' });
  return `${header}\n${JSON.stringify({ type: 'event' })}\n${event}\n`;
}

function postTunnel(target: Hono, body: string): Promise<Response> {
  return Promise.resolve(
    target.request('/monitoring/tunnel', {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body,
    }),
  );
}

beforeAll(async () => {
  await buildBrowserBundleForTests();
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  sentry = await startSentryStandIn({ projectId: '42' });
  // Unused by these routes; an Upstash client is part of AppDeps (closed port, retries off).
  const redis = new Redis({ url: 'http://127.0.0.1:9', token: 'unused', retry: false });
  app = createApp({
    config: parseConfig({ VIGIE_STAGE: 'local', SENTRY_DSN: sentry.dsn }),
    pool,
    redis,
  });
  unconfigured = createApp({ config: parseConfig({ VIGIE_STAGE: 'local' }), pool, redis });
  // The demo page is this test's own; the app provides the bundle and the tunnel.
  const site = new Hono();
  site.get('/demo', (c) => c.html(DEMO_PAGE(sentry.dsn)));
  site.route('/', app);
  server = await serveApp(site, { port: 0 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await Promise.all([sentry?.close(), pool?.end()]);
  await db?.drop();
});

describe('POST /monitoring/tunnel', () => {
  it('forwards an envelope for the configured DSN to the ingest URL derived from it', async () => {
    const id = 'b'.repeat(32);
    const res = await postTunnel(app, envelope(sentry.dsn, id));
    expect(res.status).toBe(200);
    const stored = await sentry.waitFor((e) => e.payload.event_id === id);
    expect(stored.projectId).toBe('42');
  });

  it('accepts another public key of the same project (host and project id are the allow-list)', async () => {
    const otherKey = sentry.dsn.replace(sentry.publicKey, 'f'.repeat(32));
    const res = await postTunnel(app, envelope(otherKey));
    // Forwarded: the stand-in itself refuses the unknown key (403, as Relay does), proving the
    // request went through — the tunnel's own refusal would carry `code: FORBIDDEN`.
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('FORBIDDEN');
  });

  it('refuses a DSN for another host or project with 403, and forwards nothing', async () => {
    const before = sentry.stats();
    const otherProject = sentry.dsn.replace(/\/42$/, '/43');
    const otherHost = sentry.dsn.replace('127.0.0.1', '127.0.0.2');
    for (const dsn of [otherProject, otherHost]) {
      const res = await postTunnel(app, envelope(dsn));
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(sentry.stats()).toEqual(before);
  });

  it('refuses malformed envelopes with 400 saying why', async () => {
    const noDsn = await postTunnel(app, envelope(undefined));
    expect(noDsn.status).toBe(400);
    expect((await noDsn.json()).message).toContain('"dsn"');
    const garbage = await postTunnel(app, 'not json\n{}');
    expect(garbage.status).toBe(400);
    const badDsn = await postTunnel(app, envelope('not a dsn'));
    expect(badDsn.status).toBe(400);
  });

  it('scrubs an envelope posted without the browser SDK before forwarding it', async () => {
    // Built to leak: as a page without web/sentry-browser.ts (or a script) would send it.
    const id = 'c'.repeat(32);
    const leak = 'Lead jane.doe@example.com https://www.linkedin.com/in/jane-doe +33 6 12 34 56 78';
    const event = JSON.stringify({
      event_id: id,
      message: leak,
      exception: { values: [{ type: 'Error', value: leak }] },
      user: { id: 'u-1', email: 'jane.doe@example.com', username: 'Jane Doe' },
      extra: { note: leak, email: 'jane.doe@example.com' },
      request: { url: 'https://app.test/p?email=jane.doe%40example.com', cookies: 'sid=1' },
      breadcrumbs: [{ message: leak }],
    });
    const tx = JSON.stringify({
      type: 'transaction',
      event_id: 'd'.repeat(32),
      transaction: '/prospects/jane.doe@example.com',
      spans: [{ description: `GET ${leak}` }],
    });
    const attachment = 'name,email\nJane Doe,jane.doe@example.com\n';
    const body = [
      JSON.stringify({
        event_id: id,
        dsn: sentry.dsn,
        trace: { trace_id: 'e'.repeat(32), transaction: '/u/jane.doe@example.com' },
      }),
      // With a `length` header: it must be recomputed once the payload shrinks.
      JSON.stringify({ type: 'event', length: Buffer.byteLength(event) }),
      event,
      JSON.stringify({ type: 'transaction' }),
      tx,
      JSON.stringify({
        type: 'attachment',
        length: Buffer.byteLength(attachment),
        filename: 'a.csv',
      }),
      attachment,
      JSON.stringify({ type: 'replay_recording', length: 5 }),
      'jane!',
    ].join('\n');
    const res = await postTunnel(app, body);
    expect(res.status).toBe(200);

    const stored = await sentry.waitFor((e) => e.payload.event_id === id);
    expect(stored.payload.message).toBe('Lead [email] [linkedin-url] [phone]');
    expect(stored.payload.exception?.values?.[0]?.value).toBe(
      'Lead [email] [linkedin-url] [phone]',
    );
    const received = sentry.envelopes().find((e) => e.header.event_id === id);
    expect(received?.items.map((i) => i.type)).toEqual(['event', 'transaction']);
    const text = JSON.stringify(received);
    for (const secret of ['jane.doe', 'jane-doe', 'Jane Doe', '12 34 56', 'sid=1']) {
      expect(text).not.toContain(secret);
    }
    expect(stored.payload).toMatchObject({ user: { id: 'u-1' } });
  });

  it('lets no email or name through any of the 24 locations of issue #8 §2', async () => {
    const email = 'jane.doe@example.com';
    const name = 'Jean Dupont';
    const pii = `${name} ${email}`;
    const id = '7'.repeat(32);
    const event = {
      event_id: id,
      user: { id: email },
      fingerprint: [pii],
      server_name: pii,
      logger: pii,
      culprit: pii,
      exception: {
        values: [
          {
            type: pii,
            value: 'boom',
            module: pii,
            mechanism: { type: 'generic', handled: false, data: { who: pii } },
            stacktrace: { frames: [{ function: pii, filename: 'app.js', lineno: 1 }] },
          },
        ],
      },
      threads: { values: [{ id: 1, name: pii }] },
      sdk: { name: pii, version: pii, integrations: [pii] },
      modules: { [pii]: '1.0.0' },
      measurements: { [email]: { value: 1, unit: 'millisecond' } },
      tags: { nested: { deep: pii }, [email]: 'x', plain: pii },
      contexts: { os: { name: pii } },
    };
    const transaction = {
      type: 'transaction',
      event_id: '8'.repeat(32),
      transaction: '/ok',
      spans: [{ span_id: 'a'.repeat(16), data: { 'http.query': pii, [email]: 1 } }],
    };
    const body = [
      JSON.stringify({
        event_id: id,
        dsn: sentry.dsn,
        [email]: pii,
        extra_key: pii,
        trace: { trace_id: 'e'.repeat(32), user: { name: pii }, segment: pii },
      }),
      JSON.stringify({ type: 'event', [email]: pii, filename: pii }),
      JSON.stringify(event),
      JSON.stringify({ type: 'transaction', note: pii }),
      JSON.stringify(transaction),
    ].join('\n');
    const res = await postTunnel(app, body);
    expect(res.status).toBe(200);
    await sentry.waitFor((e) => e.payload.event_id === id);
    const received = sentry.envelopes().find((e) => e.header.event_id === id);
    expect(received?.items.map((i) => i.type)).toEqual(['event', 'transaction']);
    const text = JSON.stringify(received);
    for (const leak of ['jane', 'Jean', 'Dupont', 'example.com']) expect(text).not.toContain(leak);
  });

  it('answers 400 for an envelope whose items cannot be parsed, forwarding nothing', async () => {
    const before = sentry.stats();
    const res = await postTunnel(
      app,
      `${JSON.stringify({ dsn: sentry.dsn })}\n${JSON.stringify({ type: 'event' })}\n{broken`,
    );
    expect(res.status).toBe(400);
    expect(sentry.stats()).toEqual(before);
  });

  it('answers 503 naming the setting when no DSN is configured', async () => {
    const res = await postTunnel(unconfigured, envelope(sentry.dsn));
    expect(res.status).toBe(503);
    expect((await res.json()).message).toContain('SENTRY_DSN');
  });
});

describe('browser → tunnel → Sentry (headless Chromium)', () => {
  it('serves the browser bundle', async () => {
    const res = await fetch(`${server.url}/assets/sentry-browser.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(await res.text()).toContain('VigieSentry');
  });

  it('delivers an error thrown on the page through the tunnel, scrubbed', async () => {
    const page = await browser.newPage();
    const posted: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posted.push(new URL(request.url()).href);
    });
    await page.goto(`${server.url}/demo`);
    await page.click('#signup');

    const event = await sentry.waitFor((e) =>
      String(e.payload.exception?.values?.[0]?.value ?? '').startsWith('Signup failed'),
    );
    expect(event.payload.exception?.values?.[0]?.value).toBe(
      'Signup failed for [email], see [linkedin-url]',
    );
    const text = JSON.stringify(event.payload);
    expect(text).not.toContain('jane.doe@example.com');
    expect(text).not.toContain('linkedin.com/in');
    expect(event.payload.environment).toBe('test');
    // Through our tunnel, never straight to the ingest host.
    expect(posted).toContain(`${server.url}/monitoring/tunnel`);
    expect(posted.some((url) => url.startsWith(sentry.url))).toBe(false);
    await page.close();
  });
});
