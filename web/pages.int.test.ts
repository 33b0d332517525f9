import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebPages } from '../sandbox/web-pages.ts';
import { launchChromium } from '../testkit/chromium.ts';
import { DISMISS_KEY } from './cookie-banner.ts';

/** Cookies the app may set without consent: the session cookie, nothing else. */
const ESSENTIAL_COOKIES = new Set(['vigie_session']);

let server: Awaited<ReturnType<typeof startWebPages>>;
let browser: Browser;
let context: BrowserContext;
let requests: string[];

beforeAll(async () => {
  server = await startWebPages({ PRIVACY_CONTROLLER_NAME: 'Banner Test SAS' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});
beforeEach(async () => {
  await context?.close();
  context = await browser.newContext({ locale: 'en-GB' });
  requests = [];
  context.on('request', (request) => requests.push(request.url()));
});

describe('demo page, cookie notice and privacy policy in headless Chromium', () => {
  it('shows the notice as an accessible region with a focusable button', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    const notice = page.getByRole('region', { name: 'Cookie notice' });
    await expect.poll(() => notice.isVisible()).toBe(true);
    await page.keyboard.press('Tab'); // footer link
    await page.keyboard.press('Tab'); // language link
    await page.keyboard.press('Tab'); // notice "Learn more"
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cookie-notice-dismiss');
  });

  it('dismisses with the keyboard and stays dismissed across reloads', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.focus('#cookie-notice-dismiss');
    await page.keyboard.press('Enter');
    const notice = page.getByRole('region', { name: 'Cookie notice' });
    expect(await notice.isVisible()).toBe(false);
    expect(await page.evaluate((k) => localStorage.getItem(k), DISMISS_KEY)).toBe('1');
    await page.reload();
    expect(await page.locator('#cookie-notice').isHidden()).toBe(true);
    // And on another page of the same site.
    await page.goto(`${server.url}/privacy`);
    expect(await page.locator('#cookie-notice').isHidden()).toBe(true);
  });

  it('opens the policy from the footer, in the language of the browser', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'Privacy policy' }).click();
    await page.waitForURL(/\/privacy\?lang=en$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Privacy policy');
    const text = await page.locator('main').innerText();
    expect(text).toContain('Banner Test SAS');
    expect(text).toContain('LinkedIn public profiles');
    expect(text).toContain('CNIL');
    expect(await page.locator('#processors tbody tr').count()).toBe(5);
    await page.getByRole('link', { name: 'Français' }).click();
    await page.waitForURL(/lang=fr$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Politique de confidentialité',
    );
  });

  it('makes no request outside 127.0.0.1 and sets only the essential session cookie', async () => {
    const page = await context.newPage();
    const blocked: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
    });
    await page.goto(`${server.url}/`);
    await page.goto(`${server.url}/privacy?lang=fr`);
    await page.click('#cookie-notice-dismiss');
    expect(requests.length).toBeGreaterThanOrEqual(2);
    for (const url of requests) expect(new URL(url).hostname).toBe('127.0.0.1');
    // Inline style and script ran under the CSP (nonce): nothing was blocked.
    expect(blocked).toEqual([]);
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toEqual(['vigie_session']);
    for (const cookie of cookies) {
      expect(ESSENTIAL_COOKIES.has(cookie.name)).toBe(true);
      expect(cookie.expires).toBe(-1); // a session cookie
      expect(cookie.httpOnly).toBe(true);
    }
  });
});
