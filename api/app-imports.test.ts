import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The export target (≤ 150 MB peak RSS, bench/privacy-export.ts) depends on the app not loading
 * heavy packages it only needs on one route or when a feature is configured. A fresh Node
 * process imports `api/app.ts` and lists the packages that were loaded.
 */
function packagesLoadedBy(entry: string): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = new Set();
    registerHooks({
      load(url, context, next) {
        const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(url);
        if (m) seen.add(m[1]);
        return next(url, context);
      },
    });
    await import(${JSON.stringify(entry)});
    process.stdout.write(JSON.stringify([...seen]));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as string[];
}

describe('what the HTTP app loads at import', () => {
  it('loads its route dependencies but none of the heavy optional ones', () => {
    const loaded = packagesLoadedBy(fileURLToPath(new URL('./app.ts', import.meta.url)));
    // Proves the probe works: these are what every request needs.
    expect(loaded).toEqual(expect.arrayContaining(['hono', 'pg', 'jose', 'zod']));
    // Sentry/OTel SDKs load only with initTelemetry; @sentry/core on the first tunnelled
    // envelope; esbuild never (the browser bundle is pre-built); playwright never in the app.
    for (const heavy of [
      '@sentry/node',
      '@sentry/core',
      '@opentelemetry/sdk-trace',
      '@opentelemetry/sdk-metrics',
      'esbuild',
      'playwright-core',
    ]) {
      expect(loaded).not.toContain(heavy);
    }
  });
});
