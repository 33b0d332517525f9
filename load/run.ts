/**
 * The four load scenarios: each runs its Artillery script(s) against a `LoadTarget`, then reads
 * the raw records into exact figures (HdrHistogram) and gates. Full form for `npm run load`,
 * short form for the smoke tests.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { demandFor } from '../core/capacity/model.ts';
import { NO_KNEE_REASON } from '../core/capacity/report.ts';
import { usageProfileFromSeed } from '../core/capacity/profile.ts';
import { UPSTASH_PLANS } from '../core/capacity/providers.ts';
import { minimumDurationMs } from '../core/enrichment/token-bucket.ts';
import { runArtillery, type ArtilleryRun } from './artillery.ts';
import type { LoadRecord } from './scenarios/records.ts';
import { distribution, percentileCountingFailures } from './stats.ts';
import type {
  Gate,
  LoadMode,
  LoadTarget,
  ScenarioName,
  ScenarioResult,
  StepResult,
} from './target.ts';

export const P95_API_GATE_MS = 500;
export const N8N_EXECUTION_GATE_MS = 5_000;
export const ENRICHMENT_FINISH_TOLERANCE = 1.2;
export const STAIR_STEPS = { full: [10, 25, 50, 100, 200, 400], smoke: [2, 4] } as const;

const r2 = (n: number) => Math.round(n * 100) / 100;

function baseEnv(target: LoadTarget, usersFile: string): Record<string, string> {
  return {
    VIGIE_APP_URL: target.appUrl,
    VIGIE_N8N_URL: target.n8n.url,
    VIGIE_N8N_API_KEY: target.n8n.apiKey,
    VIGIE_UPSTASH_URL: target.upstash.url,
    VIGIE_UPSTASH_TOKEN: target.upstash.token,
    VIGIE_LOAD_USERS: usersFile,
  };
}

/** Artillery's transport errors (timeouts, resets, refused), never a status code. */
function transportErrors(run: ArtilleryRun): number {
  return Object.entries(run.aggregate.counters)
    .filter(([k]) => /^errors\.E[A-Z_]+$/.test(k))
    .reduce((s, [, v]) => s + v, 0);
}

const of = (records: LoadRecord[], kind: string) => records.filter((r) => r.kind === kind);
const num = (r: LoadRecord, k: string) => Number(r[k]);

export async function runScenario(
  name: ScenarioName,
  target: LoadTarget,
  mode: LoadMode,
  workDir: string,
): Promise<ScenarioResult> {
  workDir = path.resolve(workDir);
  await mkdir(workDir, { recursive: true });
  const usersFile = path.join(workDir, 'users.json');
  await writeFile(usersFile, JSON.stringify(target.users), { mode: 0o600 });
  const env = baseEnv(target, usersFile);
  const startedAt = new Date().toISOString();
  const loadAverageStart = r2(loadavg()[0]!);
  const t0 = performance.now();
  const result = await {
    scrape: () => scrape(target, mode, env, workDir),
    'email-queue': () => emailQueue(mode, env, workDir),
    enrichment: () => enrichment(target, mode, env, workDir),
    api: () => api(mode, env, workDir),
  }[name]();
  return {
    scenario: name,
    mode,
    target: target.label,
    startedAt,
    wallSeconds: r2((performance.now() - t0) / 1000),
    machine: { cores: cpus().length, loadAverageStart, loadAverageEnd: r2(loadavg()[0]!) },
    ...result,
  };
}

type Partial = Pick<
  ScenarioResult,
  'figures' | 'gates' | 'artilleryExitCode' | 'steps' | 'artilleryTail' | 'samples' | 'vusers'
>;

async function scrape(
  target: LoadTarget,
  mode: LoadMode,
  env: Record<string, string>,
  workDir: string,
): Promise<Partial> {
  const users = mode === 'full' ? 100 : 4;
  const run = await runArtillery({
    script: 'scrape.yml',
    workDir,
    tag: 'scrape',
    env: { ...env, VIGIE_POLL_SECONDS: mode === 'full' ? '1' : '0.2' },
    overrides: { config: { phases: [{ duration: 1, arrivalRate: users }] } },
  });
  const done = of(run.records, 'scrape');
  const ok = done.filter((r) => r.status === 'success');
  const exec = distribution(ok.map((r) => num(r, 'stoppedAt') - num(r, 'startedAt')));
  const wait = distribution(
    done.map((r) => Math.max(0, num(r, 'startedAt') - num(r, 'triggeredAt'))),
  );
  const first = Math.min(...done.map((r) => num(r, 'triggeredAt')));
  const last = Math.max(...done.map((r) => num(r, 'stoppedAt')));
  // The most executions n8n ran at once, from their own start and stop times.
  const edges = ok.flatMap((r) => [
    [num(r, 'startedAt'), 1],
    [num(r, 'stoppedAt'), -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let running = 0;
  let maxRunning = 0;
  for (const [, d] of edges) maxRunning = Math.max(maxRunning, (running += d!));
  const { n8nConcurrency, phantomBusterSlots, claudeTier } = target.plans;
  const scrapeStep = distribution(ok.map((r) => num(r, 'scrapeMs')).filter(Number.isFinite));
  const enrichStep = distribution(ok.map((r) => num(r, 'enrichMs')).filter(Number.isFinite));
  // Total time ≈ (users ÷ concurrency) × execution time: the run is held back by the plan's
  // concurrency when executions wait for it, and each execution by its slowest step.
  const slowest =
    enrichStep.p50 > scrapeStep.p50
      ? `Claude enrichment (${claudeTier.name}, ${enrichStep.p50} ms p50 per execution)`
      : `PhantomBuster scrape (${phantomBusterSlots} slots, ${scrapeStep.p50} ms p50 per execution)`;
  const binding =
    wait.p95 < 100
      ? `none queued; slowest step: ${slowest}`
      : `${n8nConcurrency <= phantomBusterSlots ? `n8n plan concurrency (${n8nConcurrency} at once, ${maxRunning} seen)` : `PhantomBuster slots (${phantomBusterSlots})`}; slowest step: ${slowest}`;
  const gates: Gate[] = [
    {
      name: 'every execution succeeded',
      pass: ok.length === users && done.length === users,
      detail: `${ok.length} of ${users} succeeded (${done.length} ended)`,
    },
    {
      name: `n8n execution time p95 < ${N8N_EXECUTION_GATE_MS} ms`,
      pass: exec.count > 0 && exec.p95 < N8N_EXECUTION_GATE_MS,
      detail: `p95 ${exec.p95} ms`,
    },
  ];
  return {
    artilleryExitCode: run.exitCode,
    ...(run.exitCode === 0 ? {} : { artilleryTail: run.tail }),
    vusers: users,
    samples: done.map((r) => ({
      ms: num(r, 'stoppedAt') - num(r, 'triggeredAt'),
      ok: r.status === 'success',
    })),
    gates,
    figures: {
      users,
      executionsSucceeded: ok.length,
      executionP50Ms: exec.p50,
      executionP95Ms: exec.p95,
      executionMaxMs: exec.max,
      queueWaitP50Ms: wait.p50,
      queueWaitP95Ms: wait.p95,
      queueWaitMaxMs: wait.max,
      allDoneSeconds: done.length ? r2((last - first) / 1000) : null,
      maxConcurrentExecutions: maxRunning,
      n8nConcurrency,
      phantomBusterSlots,
      claudeTier: claudeTier.name,
      scrapeStepP50Ms: scrapeStep.p50,
      enrichStepP50Ms: enrichStep.p50,
      bindingLimit: binding,
    },
  };
}

async function emailQueue(
  mode: LoadMode,
  env: Record<string, string>,
  workDir: string,
): Promise<Partial> {
  // 50 users × 7 cycles × 3 operations = 1,050 operations per mode.
  const users = mode === 'full' ? 50 : 4;
  const cycles = mode === 'full' ? 7 : 2;
  const figures: Record<string, number | string | null> = {};
  const gates: Gate[] = [];
  let exit = 0;
  const samples: Array<{ ms: number; ok: boolean }> = [];
  for (const queueMode of ['single', 'pipelined'] as const) {
    const run = await runArtillery({
      script: 'email-queue.yml',
      workDir,
      tag: `email-queue-${queueMode}`,
      env: { ...env, VIGIE_QUEUE_MODE: queueMode, VIGIE_QUEUE_CYCLES: String(cycles) },
      overrides: {
        config: {
          phases: [
            { duration: mode === 'full' ? 5 : 1, arrivalRate: mode === 'full' ? users / 5 : users },
          ],
        },
      },
    });
    exit ||= run.exitCode;
    const ops = of(run.records, 'queue');
    const times = ops.map((r) => num(r, 'ms'));
    for (const ms of times) samples.push({ ms, ok: true });
    const seconds = Math.max(0.001, run.wallMs / 1000);
    for (const op of ['enqueue', 'claim', 'ack']) {
      const d = distribution(ops.filter((r) => r.op === op).map((r) => num(r, 'ms')));
      figures[`${queueMode}.${op}P50Ms`] = d.p50;
      figures[`${queueMode}.${op}P95Ms`] = d.p95;
      figures[`${queueMode}.${op}P99Ms`] = d.p99;
    }
    const all = distribution(times);
    // From the first operation's start to the last one's end (Artillery's start-up excluded).
    const spanMs = ops.length
      ? Math.max(...ops.map((r) => num(r, 'at'))) -
        Math.min(...ops.map((r) => num(r, 'at') - num(r, 'ms')))
      : 0;
    figures[`${queueMode}.operations`] = ops.length;
    figures[`${queueMode}.commands`] = ops.reduce((s, r) => s + num(r, 'commands'), 0);
    figures[`${queueMode}.requests`] = ops.reduce((s, r) => s + num(r, 'requests'), 0);
    figures[`${queueMode}.p95Ms`] = all.p95;
    figures[`${queueMode}.operationsPerSecond`] = r2((ops.length / Math.max(1, spanMs)) * 1000);
    figures[`${queueMode}.commandsPerSecond`] = r2(
      (ops.reduce((s, r) => s + num(r, 'commands'), 0) / Math.max(1, spanMs)) * 1000,
    );
    figures[`${queueMode}.wallSeconds`] = r2(seconds);
    const expected = users * cycles * 3;
    gates.push({
      name: `${queueMode}: every operation answered`,
      pass: ops.length === expected && transportErrors(run) === 0 && run.exitCode === 0,
      detail: `${ops.length} of ${expected} operations, ${transportErrors(run)} transport errors`,
    });
  }
  // The plan's request limits against the load of 50 and 100 customers (seed usage profile,
  // commands per email as measured here: enqueue + claim + ack).
  const profile = usageProfileFromSeed({ customers: 2 });
  const perEmail =
    Number(figures['single.commands']) / Math.max(1, Number(figures['single.operations']) / 3);
  for (const customers of [50, 100]) {
    const demand = demandFor(customers, profile, {});
    const emailCommands = customers * profile.emailsPerDay * perEmail * 30;
    const monthly =
      demand.upstashCommandsPerMonth - customers * profile.emailsPerDay * 6 * 30 + emailCommands;
    const free = UPSTASH_PLANS.free;
    figures[`${customers}customers.commandsPerMonth`] = Math.round(monthly);
    figures[`${customers}customers.freePlanMonthlyUse`] = r2(
      monthly / (free.commandsPerMonth ?? Infinity),
    );
    figures[`${customers}customers.peakCommandsPerSecond`] = r2(
      demand.upstashCommandsPerSecondAtPeak,
    );
    figures[`${customers}customers.paygUsdPerMonth`] = r2(
      (monthly / 100_000) * UPSTASH_PLANS.payg.usdPer100kCommands,
    );
  }
  figures.planCommandsPerSecondLimit = UPSTASH_PLANS.payg.commandsPerSecond;
  return { artilleryExitCode: exit, figures, gates, samples, vusers: users };
}

async function enrichment(
  target: LoadTarget,
  mode: LoadMode,
  env: Record<string, string>,
  workDir: string,
): Promise<Partial> {
  const count = mode === 'full' ? 100 : 10;
  const run = await runArtillery({
    script: 'enrichment.yml',
    workDir,
    tag: 'enrichment',
    env,
    overrides: { config: { phases: [{ duration: 1, arrivalRate: count }] } },
  });
  const rec = of(run.records, 'enrichment');
  const ok = rec.filter((r) => r.ok === true);
  const latency = distribution(ok.map((r) => num(r, 'doneAt') - num(r, 'sentAt')));
  const first = Math.min(...rec.map((r) => num(r, 'sentAt')));
  const last = Math.max(...rec.map((r) => num(r, 'doneAt')));
  const finishMs = rec.length ? last - first : 0;
  const avg = (k: string) => (ok.length ? ok.reduce((s, r) => s + num(r, k), 0) / ok.length : 0);
  const tier = target.plans.claudeTier;
  const bound = minimumDurationMs(tier, count, {
    inputTokens: avg('inputTokens') + avg('cacheWriteTokens'),
    outputTokensUsed: avg('outputTokens'),
  });
  // What the tier allows: its refill time plus one call's own time (the fastest observed).
  const allowedMs = bound.durationMs + latency.min;
  const rateLimited = ok.reduce((s, r) => s + num(r, 'rateLimited'), 0);
  const gates: Gate[] = [
    {
      name: 'every enrichment succeeded',
      pass: ok.length === count,
      detail: `${ok.length} of ${count} (${rec.length - ok.length} failed, ${transportErrors(run)} transport errors)`,
    },
    {
      name: 'none sent while the limiter knew a bucket was empty (no 429 from Claude)',
      pass: ok.length > 0 && rateLimited === 0,
      detail: `${rateLimited} rate-limited attempts`,
    },
  ];
  if (mode === 'full') {
    gates.push({
      name: `finished within ${Math.round((ENRICHMENT_FINISH_TOLERANCE - 1) * 100)} % of what the tier allows`,
      pass: ok.length === count && finishMs <= allowedMs * ENRICHMENT_FINISH_TOLERANCE,
      detail: `${r2(finishMs / 1000)} s against ${r2(allowedMs / 1000)} s allowed (${tier.name}, ${bound.binding} binds)`,
    });
  }
  return {
    artilleryExitCode: run.exitCode,
    ...(run.exitCode === 0 ? {} : { artilleryTail: run.tail }),
    vusers: count,
    samples: rec.map((r) => ({ ms: num(r, 'doneAt') - num(r, 'sentAt'), ok: r.ok === true })),
    gates,
    figures: {
      enrichments: count,
      succeeded: ok.length,
      latencyP50Ms: latency.p50,
      latencyP95Ms: latency.p95,
      latencyMaxMs: latency.max,
      finishSeconds: r2(finishMs / 1000),
      allowedSeconds: r2(allowedMs / 1000),
      finishOverAllowed: allowedMs > 0 ? r2(finishMs / allowedMs) : null,
      tier: tier.name,
      bindingLimit: bound.binding,
      rateLimitedAttempts: rateLimited,
      avgQueuedMs: r2(avg('queuedMs')),
      avgInputTokens: r2(avg('inputTokens')),
      avgCacheReadTokens: r2(avg('cacheReadTokens')),
      avgOutputTokens: r2(avg('outputTokens')),
      costUsd: r2(ok.reduce((s, r) => s + num(r, 'costUsd'), 0) * 1e4) / 1e4,
    },
  };
}

async function apiStep(
  users: number,
  seconds: number,
  env: Record<string, string>,
  workDir: string,
  tag: string,
): Promise<{
  step: StepResult;
  run: ArtilleryRun;
  byRoute: Record<string, number>;
  samples: Array<{ ms: number; ok: boolean }>;
}> {
  const run = await runArtillery({
    script: 'api.yml',
    workDir,
    tag,
    env: { ...env, VIGIE_LOAD_SECONDS: String(seconds) },
    overrides: { config: { phases: [{ duration: 1, arrivalRate: users }] } },
  });
  const rec = of(run.records, 'api');
  const ok = rec.filter((r) => r.ok === true).map((r) => num(r, 'ms'));
  const failures = rec.length - ok.length + transportErrors(run);
  const d = distribution(ok);
  const p95f = percentileCountingFailures(ok, failures, 95);
  const byRoute: Record<string, number> = {};
  for (const route of new Set(rec.map((r) => String(r.route)))) {
    byRoute[route] = distribution(
      rec.filter((r) => r.route === route && r.ok === true).map((r) => num(r, 'ms')),
    ).p95;
  }
  return {
    run,
    byRoute,
    samples: rec.map((r) => ({ ms: num(r, 'ms'), ok: r.ok === true })),
    step: {
      users,
      requests: rec.length + transportErrors(run),
      throughputPerSecond: r2(rec.length / seconds),
      p50Ms: d.p50,
      p95Ms: d.p95,
      p95WithFailuresMs: Number.isFinite(p95f) ? r2(p95f) : null,
      failures,
    },
  };
}

/**
 * The knee: the last step before p95 passes the gate, or after which throughput never grows by
 * 10 % again. "Never again", not "at the next step": on 2 shared cores throughput dipped
 * between 10 and 25 users and then doubled by 400 (closed-loop users, one Artillery worker
 * beside the app), and the first flat step read as a knee at 10 users.
 */
export function findKnee(steps: readonly StepResult[]): { users: number; reason: string } {
  for (let i = 0; i + 1 < steps.length; i += 1) {
    const s = steps[i]!;
    const next = steps[i + 1]!;
    if (next.p95WithFailuresMs === null || next.p95WithFailuresMs >= P95_API_GATE_MS)
      return {
        users: s.users,
        reason: `p95 (failures counted) ${next.p95WithFailuresMs ?? '∞'} ms at ${next.users} users`,
      };
    const later = steps.slice(i + 1);
    const best = later.reduce((a, b) => (b.throughputPerSecond > a.throughputPerSecond ? b : a));
    if (best.throughputPerSecond < s.throughputPerSecond * 1.1)
      return {
        users: s.users,
        reason: `throughput ${s.throughputPerSecond}/s at ${s.users} users, at most ${best.throughputPerSecond}/s (${best.users} users) beyond`,
      };
  }
  const last = steps.at(-1);
  return { users: last?.users ?? 0, reason: NO_KNEE_REASON };
}

async function api(mode: LoadMode, env: Record<string, string>, workDir: string): Promise<Partial> {
  const seconds = mode === 'full' ? 20 : 2;
  const main = await apiStep(mode === 'full' ? 100 : 5, seconds, env, workDir, 'api');
  const steps: StepResult[] = [];
  for (const users of STAIR_STEPS[mode]) {
    steps.push(
      (await apiStep(users, mode === 'full' ? 10 : 1, env, workDir, `api-stair-${users}`)).step,
    );
  }
  const knee = findKnee(steps);
  const p95f = main.step.p95WithFailuresMs;
  return {
    artilleryExitCode: main.run.exitCode,
    ...(main.run.exitCode === 0 ? {} : { artilleryTail: main.run.tail }),
    vusers: main.step.users,
    samples: main.samples,
    steps,
    gates: [
      {
        name: `p95 < ${P95_API_GATE_MS} ms at ${main.step.users} users, failures and timeouts counted`,
        pass: main.step.requests > 0 && p95f !== null && p95f < P95_API_GATE_MS,
        detail: `p95 ${p95f ?? '∞'} ms (${main.step.failures} failures of ${main.step.requests})`,
      },
    ],
    figures: {
      users: main.step.users,
      requests: main.step.requests,
      throughputPerSecond: main.step.throughputPerSecond,
      p50Ms: main.step.p50Ms,
      p95Ms: main.step.p95Ms,
      p95WithFailuresMs: p95f,
      failures: main.step.failures,
      ...Object.fromEntries(Object.entries(main.byRoute).map(([k, v]) => [`p95Ms.${k}`, v])),
      kneeUsers: knee.users,
      kneeReason: knee.reason,
    },
  };
}
