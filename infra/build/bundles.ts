import { collectors } from '../../core/catalog/collectors.ts';

/**
 * What `npm run build` makes and what the Pulumi program deploys: one esbuild bundle per
 * Lambda, derived from the catalog (a new collector gets its bundle without touching this
 * file), plus the frontend's Sentry bundle that the API serves as a static file. Paths are
 * relative to the repository root; runtime code is referred to by entry path, never imported.
 */
export const BUILD_DIR = '.vigie/build';

export interface LambdaBundle {
  /** Folder under `BUILD_DIR`, also the Lambda's logical name (`api`, `collector-cost`). */
  name: string;
  /** Entry module exporting `handler`. */
  entry: string;
  kind: 'api' | 'collector';
  /** The catalog collector, for `kind: 'collector'`. */
  collector?: string;
}

/** The file inside a bundle's folder that Lambda loads (`handler` = `index.handler`). */
export const BUNDLE_FILE = 'index.mjs';
export const BUNDLE_HANDLER = 'index.handler';

export const lambdaBundles: readonly LambdaBundle[] = [
  { name: 'api', entry: 'api/lambda.ts', kind: 'api' },
  ...collectors.map((c) => ({
    name: `collector-${c.name}`,
    entry: `collectors/${c.name}/handler.ts`,
    kind: 'collector' as const,
    collector: c.name,
  })),
];

/** The browser bundle the tunnel route serves at `/assets/sentry-browser.js`. */
export const browserBundle = {
  entry: 'web/sentry-browser.ts',
  /** Under `BUILD_DIR`; also copied next to the API bundle's `index.mjs`. */
  output: 'web/sentry-browser.js',
  fileName: 'sentry-browser.js',
} as const;

export function bundleDir(name: string): string {
  return `${BUILD_DIR}/${name}`;
}
