import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runLoad } from '../cli/commands/load.ts';
import { localLoadTarget } from '../sandbox/load-target.ts';
import { startStack } from '../sandbox/stack.ts';
import { createTestDatabase } from '../testkit/pg.ts';

/**
 * The four Artillery load scenarios (load/) against a fresh local staging, and their figures.
 * `BENCH_LOAD_MODE=full` runs the full forms (as `npm run load`, about 5 minutes on 2 cores);
 * the default is the smoke forms, so `npm run bench` stays short. Gates are printed, not
 * asserted.
 */
export async function benchLoad(): Promise<Record<string, number | string>> {
  const mode = process.env.BENCH_LOAD_MODE === 'full' ? 'full' : 'smoke';
  const db = await createTestDatabase('vigie_bench_load');
  const stateDir = await mkdtemp(path.join(tmpdir(), 'vigie-bench-load-'));
  const outDir = await mkdtemp(path.join(tmpdir(), 'vigie-bench-load-out-'));
  const stack = await startStack({
    env: {
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/7',
      PORT: '0',
      ANTHROPIC_TIER: mode === 'full' ? 'tier1' : 'tier2',
    },
    stateDir,
    seedSize: { customers: 10, prospectsPerCustomer: 200 },
  });
  const figures: Record<string, number | string> = { mode };
  try {
    const target = await localLoadTarget(stack);
    const results = await runLoad({
      scenarios: ['scrape', 'email-queue', 'enrichment', 'api'],
      mode,
      target,
      outDir,
    });
    for (const r of results) {
      for (const [k, v] of Object.entries(r.figures)) figures[`${r.scenario} ${k}`] = v ?? '—';
      for (const s of r.steps ?? [])
        figures[`${r.scenario} step ${s.users} users`] =
          `${s.throughputPerSecond}/s, p95 ${s.p95WithFailuresMs ?? '∞'} ms, ${s.failures} failures`;
      for (const g of r.gates)
        figures[`${r.scenario} gate: ${g.name}`] = g.pass ? 'pass' : `FAIL (${g.detail})`;
    }
  } finally {
    await stack.stop();
    await db.drop();
    await rm(stateDir, { recursive: true, force: true });
    await rm(outDir, { recursive: true, force: true });
  }
  return figures;
}
