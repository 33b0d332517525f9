import { relative } from 'node:path';
import { buildAll } from './build.ts';

/** `npm run build [-- <bundle>…]`: every Lambda bundle into `.vigie/build/<name>/index.mjs`. */
const started = performance.now();
const only = process.argv.slice(2);
const built = await buildAll({ root: process.cwd(), ...(only.length ? { only } : {}) });
for (const b of built) {
  process.stdout.write(
    `build: ${relative(process.cwd(), b.dir)}/index.mjs  ${(b.bytes / 1024).toFixed(0)} KiB\n`,
  );
}
process.stdout.write(
  `build: ${built.length} bundles in ${Math.round(performance.now() - started)} ms\n`,
);
