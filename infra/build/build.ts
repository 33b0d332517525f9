import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import {
  BUILD_DIR,
  BUNDLE_FILE,
  browserBundle,
  lambdaBundles,
  type LambdaBundle,
} from './bundles.ts';

export interface BuiltBundle {
  name: string;
  /** Absolute path of the bundle's folder (what Pulumi zips as the Lambda's code). */
  dir: string;
  bytes: number;
}

/**
 * esbuild because it bundles the TypeScript sources as they are (no emit step, no config file)
 * in about a second for all Lambdas. Each bundle is one ESM file for Node 24 with everything
 * it imports inlined, so a missing file shows up at build time, not in Lambda.
 * `createRequire` in the banner lets bundled CommonJS packages `require` Node's built-ins.
 */
export async function buildAll(
  options: { root: string; outDir?: string; only?: readonly string[] } = { root: process.cwd() },
): Promise<BuiltBundle[]> {
  const outDir = options.outDir ?? join(options.root, BUILD_DIR);
  const browserFile = await buildBrowserBundle({ root: options.root, outDir });
  const wanted = lambdaBundles.filter((b) => !options.only || options.only.includes(b.name));
  const built: BuiltBundle[] = [];
  for (const bundle of wanted) {
    built.push(await buildLambda(bundle, { root: options.root, outDir }));
    if (bundle.kind === 'api') {
      await copyFile(browserFile, join(outDir, bundle.name, browserBundle.fileName));
    }
  }
  return built;
}

async function buildLambda(
  bundle: LambdaBundle,
  { root, outDir }: { root: string; outDir: string },
): Promise<BuiltBundle> {
  const dir = join(outDir, bundle.name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const outfile = join(dir, BUNDLE_FILE);
  await build({
    absWorkingDir: root,
    entryPoints: [bundle.entry],
    outdir: dir,
    // `index.mjs` is what Lambda loads; modules imported with `import()` (the Anthropic SDK,
    // the AWS SDK) become chunks beside it, read only when first called: cold starts skip them.
    entryNames: BUNDLE_FILE.replace(/\.mjs$/, ''),
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    // ES module builds first (esbuild's default for node is CommonJS first): only they can be
    // tree-shaken, and the AWS SDK's CommonJS client carries every command of its service.
    mainFields: ['module', 'main'],
    format: 'esm',
    target: 'node24',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    // Optional native bindings that the packages fall back from when absent.
    external: ['pg-native'],
    banner: {
      js: "import { createRequire as __vigieCreateRequire } from 'node:module'; const require = __vigieCreateRequire(import.meta.url);",
    },
    metafile: false,
  });
  return { name: bundle.name, dir, bytes: (await stat(outfile)).size + (await chunkBytes(dir)) };
}

/**
 * `web/sentry-browser.ts` with `@sentry/browser` and the scrubber as one IIFE exposing
 * `window.VigieSentry` (it self-initialises from its script tag's `data-dsn`). Built here,
 * once, instead of by the app on its first request.
 */
export async function buildBrowserBundle({
  root,
  outDir = join(root, BUILD_DIR),
}: {
  root: string;
  outDir?: string;
}): Promise<string> {
  const outfile = join(outDir, browserBundle.output);
  const result = await build({
    absWorkingDir: root,
    entryPoints: [browserBundle.entry],
    bundle: true,
    format: 'iife',
    globalName: 'VigieSentry',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    write: false,
    metafile: true,
  });
  const text = result.outputFiles[0]?.text;
  if (!text) throw new Error(`esbuild produced no output for ${browserBundle.entry}`);
  // Written then renamed: a test or `vigie start` reading it meanwhile never sees half a file.
  await mkdir(dirname(outfile), { recursive: true });
  const partial = `${outfile}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(partial, text);
  await rename(partial, outfile);
  const inputs = `${outfile}.inputs.json`;
  await writeFile(
    `${inputs}.${process.pid}.tmp`,
    JSON.stringify(Object.keys(result.metafile.inputs)),
  );
  await rename(`${inputs}.${process.pid}.tmp`, inputs);
  return outfile;
}

/**
 * The browser bundle, rebuilt only when it is missing or one of the files it was built from
 * (recorded beside it) changed since: `vigie start` and the tests call this.
 */
export async function ensureBrowserBundle({ root }: { root: string }): Promise<string> {
  const outfile = join(root, BUILD_DIR, browserBundle.output);
  try {
    const built = (await stat(outfile)).mtimeMs;
    const inputs = JSON.parse(await readFile(`${outfile}.inputs.json`, 'utf8')) as string[];
    const times = await Promise.all(inputs.map(async (f) => (await stat(join(root, f))).mtimeMs));
    if (times.every((t) => t <= built)) return outfile;
  } catch {
    // missing output, missing record or a deleted input: build
  }
  return buildBrowserBundle({ root });
}

/** Bytes of the chunks beside a bundle's `index.mjs` (none without dynamic imports). */
async function chunkBytes(dir: string): Promise<number> {
  const names = await readdir(join(dir, 'chunks')).catch(() => [] as string[]);
  const sizes = await Promise.all(
    names.map(async (n) => (await stat(join(dir, 'chunks', n))).size),
  );
  return sizes.reduce((a, b) => a + b, 0);
}
