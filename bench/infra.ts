import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { buildAll } from '../infra/build/build.ts';
import { BUNDLE_FILE, lambdaBundles } from '../infra/build/bundles.ts';
import { apiGatewayEvent, invokeBundle, scheduledEvent } from '../infra/build/invoke.ts';
import { startLambdaStaging } from '../testkit/lambda-staging.ts';

/**
 * Each Lambda bundle: its size zipped (deflate level 9, what a zip holds; target ≤ 1 MB) and
 * its cold start — a fresh Node process importing the bundle (Lambda's init) and running the
 * first invocation against a local staging (target ≤ 300 ms) — and a second, warm invocation in
 * the same process, so a run whose own work is long (provider round trips) is told apart from a
 * slow start. The alert dispatcher's first
 * invocation is its ~50 s polling run by design, so its import time is what is compared.
 * Cold starts run one at a time, so they do not compete for the CPU.
 */
/**
 * The pause before the warm invocation. Slack allows about one post a second per webhook (the
 * stand-in answers a second post within it with 429 and `retry-after`, which the cost report
 * waits out), so a warm run right after the first would pay for the first run's post.
 */
const WARM_PAUSE_MS = 1_100;

export async function benchInfra(): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = {};
  const outDir = await mkdtemp(path.join(tmpdir(), 'vigie-bench-build-'));
  try {
    const started = performance.now();
    const built = await buildAll({ root: process.cwd(), outDir });
    figures['build, all bundles, ms'] = Math.round(performance.now() - started);
    const staging = await startLambdaStaging({ stateDir: outDir, redisDb: 5 });
    try {
      for (const bundle of lambdaBundles) {
        const dir = built.find((b) => b.name === bundle.name)!.dir;
        // The entry and its lazily loaded chunks: everything the function's zip holds.
        const chunks = await readdir(path.join(dir, 'chunks')).catch(() => [] as string[]);
        const files = [BUNDLE_FILE, ...chunks.map((c) => path.join('chunks', c))];
        let zipped = 0;
        for (const file of files) {
          zipped += deflateRawSync(await readFile(path.join(dir, file)), { level: 9 }).length;
        }
        figures[`${bundle.name}: zipped, KB`] = Math.round(zipped / 1024);
        figures[`${bundle.name}: index.mjs (read at cold start), KB`] = Math.round(
          (await readFile(path.join(dir, BUNDLE_FILE))).length / 1024,
        );
        const event =
          bundle.kind === 'api'
            ? apiGatewayEvent('GET', '/healthz')
            : scheduledEvent('arn:aws:scheduler:eu-west-3:123456789012:schedule/bench', new Date());
        const run = await invokeBundle(dir, event, {
          env: staging.env,
          ...(bundle.collector === 'alert-dispatch' ? {} : { warmAfterMs: WARM_PAUSE_MS }),
        });
        if (run.error) figures[`${bundle.name}: error`] = run.error.message.slice(0, 120);
        figures[`${bundle.name}: import (init, incl. SSM read for the API), ms`] = Math.round(
          run.importMs,
        );
        figures[
          bundle.collector === 'alert-dispatch'
            ? `${bundle.name}: first run (a ~50 s poll by design), ms`
            : `${bundle.name}: import + first invocation, ms`
        ] = Math.round(
          bundle.collector === 'alert-dispatch' ? run.invokeMs : run.importMs + run.invokeMs,
        );
        if (run.warmMs !== undefined) {
          // What the work costs once warm (provider round trips), and what the cold start adds.
          figures[`${bundle.name}: second invocation (warm), ms`] = Math.round(run.warmMs);
          figures[`${bundle.name}: cold-start overhead (import + first − warm), ms`] = Math.round(
            run.importMs + run.invokeMs - run.warmMs,
          );
        }
      }
      figures.targets = '≤ 1,024 KB zipped per bundle; cold start ≤ 300 ms';
    } finally {
      await staging.stop();
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  return figures;
}
