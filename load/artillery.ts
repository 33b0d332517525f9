/**
 * Runs one Artillery script as a child process and reads what it wrote: the `--output` JSON
 * (counters and DDSketch summaries) and our raw records (`scenarios/records.ts`).
 *
 * Artillery is started with the Node running Vigie (Node 24 from the `node` devDependency):
 * its own `#!/usr/bin/env node` would pick the system Node, too old for Artillery 2.0.34
 * (Node ≥ 22.18). Telemetry is off (`ARTILLERY_DISABLE_TELEMETRY`).
 */
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import type { LoadRecord } from './scenarios/records.ts';

export interface ArtilleryRun {
  exitCode: number;
  /** The `aggregate` part of Artillery's JSON report. */
  aggregate: {
    counters: Record<string, number>;
    summaries: Record<string, Record<string, number>>;
  };
  records: LoadRecord[];
  wallMs: number;
  /** The last lines Artillery printed (for a failure message). */
  tail: string;
}

const here = path.dirname(new URL(import.meta.url).pathname);

/**
 * Artillery would bundle a TypeScript processor itself, as CommonJS next to the script, which
 * a `"type": "module"` package cannot load (and parallel runs would share the file). We bundle
 * it with esbuild as ESM into the run's own directory and point `config.processor` at it.
 */
async function bundleProcessor(script: string, workDir: string): Promise<string> {
  const name = script.replace(/\.yml$/, '');
  const outfile = path.join(workDir, `${name}.processor.mjs`);
  await build({
    entryPoints: [path.join(here, 'scenarios', `${name}.processor.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'silent',
    // Bundled CommonJS dependencies still call require() for Node's built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  return outfile;
}

export async function runArtillery(options: {
  script: string;
  workDir: string;
  env: Record<string, string>;
  overrides?: object;
  tag: string;
}): Promise<ArtilleryRun> {
  // `bin/run` is not in the package's exports: found from its main entry (dist/lib/index.js).
  const main = createRequire(import.meta.url).resolve('artillery');
  const bin = path.join(
    main.slice(0, main.lastIndexOf(`${path.sep}dist${path.sep}`)),
    'bin',
    'run',
  );
  options = { ...options, workDir: path.resolve(options.workDir) };
  const output = path.join(options.workDir, `${options.tag}.artillery.json`);
  const recordsFile = path.join(options.workDir, `${options.tag}.records.ndjson`);
  await writeFile(recordsFile, '');
  const processor = await bundleProcessor(options.script, options.workDir);
  const overrides = {
    ...options.overrides,
    config: { ...(options.overrides as { config?: object } | undefined)?.config, processor },
  };
  const args = [bin, 'run', '--output', output, '--overrides', JSON.stringify(overrides)];
  args.push(path.join(here, 'scenarios', options.script));
  const started = performance.now();
  const { code, tail } = await new Promise<{ code: number; tail: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: {
        ...process.env,
        ...options.env,
        ARTILLERY_DISABLE_TELEMETRY: '1',
        VIGIE_LOAD_RECORDS: recordsFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c ?? 1, tail: out }));
  });
  const wallMs = performance.now() - started;
  let aggregate: ArtilleryRun['aggregate'] = { counters: {}, summaries: {} };
  try {
    const report = JSON.parse(await readFile(output, 'utf8')) as {
      aggregate: ArtilleryRun['aggregate'];
    };
    aggregate = {
      counters: report.aggregate.counters ?? {},
      summaries: report.aggregate.summaries ?? {},
    };
  } catch {
    // No report: Artillery failed before running; `tail` says why.
  }
  const records = (await readFile(recordsFile, 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LoadRecord);
  return { exitCode: code, aggregate, records, wallMs, tail };
}
