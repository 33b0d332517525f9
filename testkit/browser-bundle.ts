import { ensureBrowserBundle } from '../infra/build/build.ts';

/**
 * Builds the frontend's Sentry bundle where the app reads it (`.vigie/build/web/`), as
 * `npm run build` does: tests that fetch `/assets/sentry-browser.js` call this first, since a
 * fresh clone has no build output.
 */
export function buildBrowserBundleForTests(): Promise<string> {
  return ensureBrowserBundle({ root: process.cwd() });
}
