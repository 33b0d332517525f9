import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../core/config.ts';
import { notFound, onError, requestIdMiddleware } from '../errors.ts';
import { fromAcceptLanguage, webRoutes } from './web.ts';

function app(env: Record<string, string> = {}) {
  const a = new Hono();
  a.use('*', requestIdMiddleware());
  a.onError(onError);
  a.notFound(notFound);
  a.route('/', webRoutes({ config: parseConfig({ VIGIE_STAGE: 'local', ...env }) }));
  a.get('/api-example', (c) => c.json({ ok: true }));
  return a;
}

describe('web routes', () => {
  it('picks the language from ?lang, then Accept-Language, French by default', async () => {
    const en = await app().request('/privacy?lang=en', { headers: { 'Accept-Language': 'fr' } });
    expect(en.headers.get('Content-Language')).toBe('en');
    const fr = await app().request('/privacy', {
      headers: { 'Accept-Language': 'de-DE, fr;q=0.8, en;q=0.5' },
    });
    expect(fr.headers.get('Content-Language')).toBe('fr');
    const none = await app().request('/privacy');
    expect(none.headers.get('Content-Language')).toBe('fr');
    expect(fromAcceptLanguage('en-US,en;q=0.9,fr;q=0.8')).toBe('en');
    expect(fromAcceptLanguage('fr;q=0, en;q=0.1')).toBe('en');
    expect(fromAcceptLanguage('de')).toBeUndefined();
  });

  it('refuses an unknown ?lang with a JSON 400', async () => {
    const res = await app().request('/privacy?lang=de');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'lang must be one of fr, en.',
    });
  });

  it('serves the policy from settings with a strict CSP and a fresh nonce', async () => {
    const a = app({
      PRIVACY_CONTROLLER_NAME: 'Routes Test SARL',
      PRIVACY_CONTACT_EMAIL: 'privacy@routes.test',
    });
    const [one, two] = await Promise.all([
      a.request('/privacy?lang=en'),
      a.request('/privacy?lang=en'),
    ]);
    const body = await one!.text();
    expect(body).toContain('Routes Test SARL');
    expect(body).toContain('mailto:privacy@routes.test');
    const csp = one!.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toMatch(/^default-src 'none'/);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(body).toContain(`nonce="${nonce}"`);
    expect(two!.headers.get('Content-Security-Policy')).not.toBe(csp);
    expect(one!.headers.get('set-cookie')).toBeNull(); // the policy page sets no cookie
  });

  it.each(['/privacy', '/'])('%s: the security headers from hono/secure-headers', async (path) => {
    const res = await app().request(path);
    const csp = res.headers.get('Content-Security-Policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] ?? '';
    expect(nonce).toMatch(/^[A-Za-z0-9+/=_-]{16,}$/);
    expect(csp.split('; ').sort()).toEqual(
      [
        "default-src 'none'",
        `style-src 'nonce-${nonce}'`,
        `script-src 'nonce-${nonce}'`,
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].sort(),
    );
    expect(res.headers.get('X-Frame-Options')).toBe('DENY');
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(res.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(res.headers.get('Strict-Transport-Security')).toMatch(/max-age=\d+/);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    // Every inline style and script carries this response's nonce, and nothing else runs.
    const body = await res.text();
    const tags = body.match(/<(script|style)\b[^>]*>/g) ?? [];
    expect(tags.length).toBeGreaterThanOrEqual(2);
    for (const tag of tags) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it('the page headers stay on the pages: a JSON route of the same app has no CSP', async () => {
    const res = await app().request('/api-example');
    expect(res.headers.get('Content-Security-Policy')).toBeNull();
    expect(res.headers.get('X-Frame-Options')).toBeNull();
  });

  it('a setting holding <script> is escaped in the served page, never run', async () => {
    const res = await app({
      PRIVACY_CONTROLLER_NAME: 'Evil <script>alert(1)</script> "SAS"',
    }).request('/privacy?lang=en');
    const body = await res.text();
    expect(body).not.toContain('<script>alert(1)</script>');
    expect(body).toContain('Evil &lt;script&gt;alert(1)&lt;/script&gt; &quot;SAS&quot;');
    // The only script tags are ours, with the nonce.
    for (const tag of body.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/nonce="/);
  });

  it('sets an HttpOnly session cookie on the demo page, once', async () => {
    const res = await app().request('/');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^vigie_session=[\w-]+; Path=\/; HttpOnly; SameSite=Lax$/);
    const again = await app().request('/', { headers: { cookie: cookie.split(';')[0]! } });
    expect(again.headers.get('set-cookie')).toBeNull();
  });
});
