import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles `web/sentry-browser.ts` (with `@sentry/browser` and the scrubber) into one IIFE that
 * exposes `window.VigieSentry` and self-initialises from its script tag's `data-dsn`. esbuild
 * because it bundles TypeScript in-process in well under a second, with no config files; the
 * app's real frontend build imports `web/sentry-browser.ts` directly instead.
 */
export async function buildSentryBrowserBundle(
  options: { minify?: boolean } = {},
): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./sentry-browser.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    globalName: 'VigieSentry',
    platform: 'browser',
    target: 'es2022',
    write: false,
    minify: options.minify ?? true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output for web/sentry-browser.ts');
  return file.text;
}
