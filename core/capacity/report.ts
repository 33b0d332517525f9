import {
  ASSUMPTIONS,
  type CapacityRow,
  capacityRow,
  CUSTOMER_COUNTS,
  demandFor,
  type Measured,
  TARGET_HEADROOM,
  upgradePoints,
} from './model.ts';
import {
  PEAK_HOUR_FACTOR,
  PROSPECTS_PER_SCRAPE,
  type UsageProfile,
  WORKING_HOURS,
} from './profile.ts';
import {
  CLAUDE_TIERS,
  LAMBDA,
  N8N_PLANS,
  PHANTOMBUSTER_PLANS,
  PHANTOMBUSTER_TIMING,
  type Source,
  SUPABASE_COMPUTE_SIZES,
  UPSTASH_PLANS,
} from './providers.ts';

/** A load scenario's result as `load/` writes it (structural: core does not import load). */
/** The stair-step's knee reason when throughput kept growing and p95 held to the last step. */
export const NO_KNEE_REASON = 'no knee within the steps run';

export interface MeasuredRun {
  scenario: string;
  mode: string;
  target: string;
  startedAt: string;
  wallSeconds: number;
  figures: Record<string, number | string | null>;
  gates: Array<{ name: string; pass: boolean; detail: string }>;
  machine?: { cores: number; loadAverageStart: number; loadAverageEnd: number };
  steps?: Array<{
    users: number;
    throughputPerSecond: number;
    p50Ms: number;
    p95Ms: number;
    p95WithFailuresMs: number | null;
    failures: number;
  }>;
}

export interface CapacityReport {
  generatedAt: string;
  command: string;
  profile: UsageProfile;
  measured: Measured;
  runs: MeasuredRun[];
  rows: CapacityRow[];
  upgrades: ReturnType<typeof upgradePoints>;
  charts: ChartSpec[];
}

/** A chart as data; the HTML page draws it with Chart.js (`type`, `data`, `options`). */
export interface ChartSpec {
  id: string;
  title: string;
  config: {
    type: 'line' | 'bar';
    data: {
      labels: Array<string | number>;
      datasets: Array<{ label: string; data: Array<number | null>; stack?: string }>;
    };
    options: Record<string, unknown>;
  };
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The per-request figures the load runs measured (full runs preferred over smoke runs). */
export function measuredFrom(runs: readonly MeasuredRun[]): Measured {
  const get = (scenario: string) => runs.find((r) => r.scenario === scenario);
  const scrape = get('scrape')?.figures;
  const enrich = get('enrichment')?.figures;
  const api = get('api')?.figures;
  const enrichCount = num(enrich?.succeeded);
  const m: Measured = {};
  const exec = num(scrape?.executionP50Ms);
  if (exec !== undefined) m.scrapeExecutionSeconds = exec / 1000;
  const input = num(enrich?.avgInputTokens);
  if (input !== undefined) m.enrichmentInputTokens = input + (num(enrich?.avgCacheReadTokens) ?? 0);
  const output = num(enrich?.avgOutputTokens);
  if (output !== undefined) m.enrichmentOutputTokens = output;
  const cost = num(enrich?.costUsd);
  if (cost !== undefined && enrichCount) m.enrichmentCostUsd = cost / enrichCount;
  const p50 = num(api?.p50Ms);
  if (p50 !== undefined) m.apiP50Seconds = p50 / 1000;
  return m;
}

const COST_POINTS = [10, 25, 50, 75, 100, 150, 200] as const;
const PROVIDERS = ['n8n', 'phantombuster', 'claude', 'upstash', 'supabase', 'lambda'] as const;

export function buildCapacityReport(input: {
  generatedAt: Date;
  command: string;
  profile: UsageProfile;
  runs: MeasuredRun[];
}): CapacityReport {
  const runs = [...input.runs].sort((a, b) => (a.mode === b.mode ? 0 : a.mode === 'full' ? -1 : 1));
  const measured = measuredFrom(runs);
  const rows = CUSTOMER_COUNTS.map((n) => capacityRow(n, input.profile, measured));
  const upgrades = upgradePoints(
    input.profile,
    measured,
    [5, 10, 20, 30, 40, 50, 60, 75, 100, 125, 150, 175, 200],
  );
  const charts: ChartSpec[] = [];
  const stair = runs.find((r) => r.scenario === 'api')?.steps ?? [];
  charts.push({
    id: 'latency-vs-users',
    title: 'API latency against concurrent users (measured, stair-step)',
    config: {
      type: 'line',
      data: {
        labels: stair.map((s) => s.users),
        datasets: [
          { label: 'p95 ms (failures counted)', data: stair.map((s) => s.p95WithFailuresMs) },
          { label: 'p50 ms', data: stair.map((s) => s.p50Ms) },
          { label: 'throughput req/s', data: stair.map((s) => s.throughputPerSecond) },
        ],
      },
      options: { scales: { x: { title: { display: true, text: 'concurrent users' } } } },
    },
  });
  const costRows = COST_POINTS.map((n) => capacityRow(n, input.profile, measured));
  charts.push({
    id: 'cost-vs-customers',
    title: 'Monthly cost per provider against customers (modelled, recommended plans)',
    config: {
      type: 'bar',
      data: {
        labels: COST_POINTS.map(String),
        datasets: PROVIDERS.map((p) => ({
          label: p,
          stack: 'usd',
          data: costRows.map((r) => round(r.lines.find((l) => l.provider === p)?.monthlyUsd ?? 0)),
        })),
      },
      options: {
        scales: {
          x: { stacked: true, title: { display: true, text: 'customers' } },
          y: { stacked: true, title: { display: true, text: 'USD / month' } },
        },
      },
    },
  });
  charts.push({
    id: 'headroom-per-provider',
    title: 'Headroom per provider (1 − demand / limit, recommended plans)',
    config: {
      type: 'bar',
      data: {
        labels: [...PROVIDERS],
        datasets: rows.map((r) => ({
          label: `${r.customers} customers`,
          data: PROVIDERS.map((p) =>
            round((r.lines.find((l) => l.provider === p)?.headroom ?? 1) * 100),
          ),
        })),
      },
      options: {
        scales: {
          y: { title: { display: true, text: 'headroom %' }, suggestedMin: 0, suggestedMax: 100 },
        },
      },
    },
  });
  return {
    generatedAt: input.generatedAt.toISOString(),
    command: input.command,
    profile: input.profile,
    measured,
    runs,
    rows,
    upgrades,
    charts,
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
const pct = (n: number) => (Number.isFinite(n) ? `${Math.round(n * 100)} %` : '—');
const fmt = (n: number) =>
  !Number.isFinite(n) ? '∞' : n >= 100 ? Math.round(n).toLocaleString('en-US') : String(round(n));
const src = (s: Source) => `[${s.asOf}${s.verified ? '' : ', unverified'}](${s.url})`;

export function capacityMarkdown(r: CapacityReport): string {
  const L: string[] = [];
  const p = r.profile;
  L.push('# Capacity report', '');
  L.push(`Generated ${r.generatedAt} with \`${r.command}\`.`, '');
  L.push(
    "**Measured vs modelled.** Figures under \"Load runs\" were measured on this machine against the local staging (stand-ins enforce the plans' limits; see each run's target and mode). Everything in the capacity tables is **modelled**: the seed's usage profile × the providers' published limits, with the per-request figures the load runs measured where there are some. Limits marked *unverified* have no primary source; the live value wins.",
    '',
  );
  L.push('## Verdict', '');
  for (const row of r.rows) {
    const b = row.binding;
    L.push(
      `- **${row.customers} customers**: binding limit ${b.provider} — ${b.limit} (${pct(b.headroom)} headroom); about **${fmt(row.monthlyUsd)} USD/month** on the recommended plans.`,
    );
  }
  if (r.runs.length > 0) {
    L.push('', 'What the load runs found (measured):', '');
    for (const run of r.runs) {
      const passed = run.gates.filter((g) => g.pass).length;
      const f = run.figures;
      const key =
        f.bindingLimit ??
        (f.kneeUsers === undefined
          ? undefined
          : f.kneeReason === NO_KNEE_REASON
            ? `no knee up to ${f.kneeUsers} users, the last step`
            : `knee at ${f.kneeUsers} users (${f.kneeReason})`);
      L.push(
        `- **${run.scenario}** (${run.mode}, ${run.target}${run.machine ? `, load average ${run.machine.loadAverageStart} on ${run.machine.cores} cores` : ''}): ${passed}/${run.gates.length} gates passed${key === undefined ? '' : `; ${key}`}.`,
      );
    }
  }
  L.push('', '## Which plan to buy, and when', '');
  if (r.upgrades.length === 0) L.push('No plan change is needed up to 200 customers.');
  for (const u of r.upgrades)
    L.push(
      `- **${u.provider}**: move from ${u.from} to **${u.to}** before ${u.atCustomers} customers (the cheaper plan would keep under ${pct(TARGET_HEADROOM)} headroom).`,
    );
  L.push('', '## Per customer count (modelled)', '');
  for (const row of r.rows) {
    L.push(
      `### ${row.customers} customers`,
      '',
      '| provider | plan | USD / month | tightest limit | demand | limit | headroom |',
      '| --- | --- | ---: | --- | ---: | ---: | ---: |',
    );
    for (const l of row.lines) {
      const t = l.constraints.reduce((a, b) => (b.headroom < a.headroom ? b : a));
      L.push(
        `| ${l.provider} | ${l.plan} | ${fmt(l.monthlyUsd)} | ${t.limit} | ${fmt(t.demand)} | ${fmt(t.capacity)} | ${pct(l.headroom)} |`,
      );
    }
    L.push('');
  }
  L.push('## Load runs (measured)', '');
  if (r.runs.length === 0)
    L.push(
      'No load results were found: every figure above is modelled. Run `npm run load` first.',
      '',
    );
  for (const run of r.runs) {
    L.push(
      `### ${run.scenario} — ${run.mode}, ${run.target}, ${run.startedAt} (${run.wallSeconds} s)`,
      '',
    );
    if (run.machine) {
      const m = run.machine;
      L.push(
        `Machine: ${m.cores} cores, 1-minute load average ${m.loadAverageStart} at the start and ${m.loadAverageEnd} at the end${m.loadAverageStart > m.cores || m.loadAverageEnd > m.cores ? ' — more runnable work than cores: other work on the machine competed with this run, and latency figures include that wait' : ''}.`,
        '',
      );
    }
    for (const g of run.gates) L.push(`- ${g.pass ? '✅' : '❌'} ${g.name}: ${g.detail}`);
    L.push('', '| figure | value |', '| --- | ---: |');
    for (const [k, v] of Object.entries(run.figures)) L.push(`| ${k} | ${v ?? '—'} |`);
    if (run.steps?.length) {
      L.push(
        '',
        '| users | req/s | p50 ms | p95 ms (failures counted) | failures |',
        '| ---: | ---: | ---: | ---: | ---: |',
      );
      for (const s of run.steps)
        L.push(
          `| ${s.users} | ${s.throughputPerSecond} | ${s.p50Ms} | ${s.p95WithFailuresMs ?? '∞'} | ${s.failures} |`,
        );
    }
    L.push('');
  }
  const d = demandFor(100, p, r.measured);
  L.push('## Usage profile (from the seed data)', '');
  L.push(
    `Per customer and day, averaged over ${p.basis.customers} seeded customers (seed ${p.basis.seed}; prospects over ${p.basis.prospectDays} days, emails over ${p.basis.emailDays}): **${round(p.prospectsPerDay)} prospects scraped**, **${round(p.enrichmentsPerDay)} enrichments**, **${round(p.emailsPerDay)} emails sent**, ${round(p.scrapesPerDay)} scrape runs (a run = ${PROSPECTS_PER_SCRAPE} profiles, an assumption). The busiest hour carries ${PEAK_HOUR_FACTOR}× the average of a ${WORKING_HOURS}-hour working day.`,
    '',
  );
  L.push(
    `At 100 customers that is ${fmt(d.scrapesPerMonth)} scrape executions, ${fmt(d.enrichmentsPerMonth)} enrichments and ${fmt(d.upstashCommandsPerMonth)} Upstash commands a month; ${round(d.scrapeConcurrencyAtPeak)} executions in flight and ${round(d.claudeRpmAtPeak)} Claude requests/min at the busiest hour.`,
    '',
  );
  L.push('Per-request figures used:', '');
  const m = r.measured;
  const used = (v: number | undefined, fallback: string) =>
    v === undefined ? `${fallback} (modelled)` : `${round(v)} (measured)`;
  L.push(
    `- scrape execution: ${used(m.scrapeExecutionSeconds, String((PHANTOMBUSTER_TIMING.launchMs + PROSPECTS_PER_SCRAPE * PHANTOMBUSTER_TIMING.msPerProfile) / 1000))} s`,
  );
  L.push(
    `- enrichment tokens in / out: ${used(m.enrichmentInputTokens, String(ASSUMPTIONS.enrichmentInputTokens))} / ${used(m.enrichmentOutputTokens, String(ASSUMPTIONS.enrichmentOutputTokens))}`,
  );
  L.push(
    `- API p50: ${used(m.apiP50Seconds, '0.05')} s; ${ASSUMPTIONS.activeUsersPerCustomer} active seat per customer at peak, ${ASSUMPTIONS.apiRequestsPerActiveUserPerSecond} requests/s each (assumptions)`,
  );
  L.push(
    `- Upstash: ${ASSUMPTIONS.commandsPerEmail} commands per email (enqueue 3, claim 1, ack 2), ${ASSUMPTIONS.commandsPerEnrichment} per enrichment`,
    '',
  );
  L.push(
    '## Provider limits used (date, public source)',
    '',
    '| provider | plan | limits | USD / month | source |',
    '| --- | --- | --- | ---: | --- |',
  );
  for (const x of Object.values(N8N_PLANS))
    L.push(
      `| n8n Cloud | ${x.name} | ${x.concurrency} concurrent, ${fmt(x.executionsPerMonth)} executions/month | ${x.usdPerMonth} | ${src(x.source)} |`,
    );
  for (const x of Object.values(PHANTOMBUSTER_PLANS))
    L.push(
      `| PhantomBuster | ${x.name} | ${x.slots} slots, ${x.executionHoursPerMonth} h/month | ${x.usdPerMonth} | ${src(x.source)} |`,
    );
  for (const x of Object.values(CLAUDE_TIERS))
    L.push(
      `| Claude (Haiku) | ${x.name} | ${fmt(x.requestsPerMinute)} RPM, ${fmt(x.inputTokensPerMinute)} ITPM, ${fmt(x.outputTokensPerMinute)} OTPM, cap ${x.monthlySpendCapUsd === null ? 'none' : `$${fmt(x.monthlySpendCapUsd)}`} | usage | ${src(x.source)} |`,
    );
  for (const x of Object.values(UPSTASH_PLANS))
    L.push(
      `| Upstash Redis | ${x.name} | ${fmt(x.commandsPerSecond)} cmd/s, ${x.commandsPerMonth === null ? 'no monthly cap' : `${fmt(x.commandsPerMonth)} cmd/month`}, $${x.usdPer100kCommands}/100k | ${x.usdPerMonth} | ${src(x.source)} |`,
    );
  for (const x of Object.values(SUPABASE_COMPUTE_SIZES))
    L.push(
      `| Supabase | ${x.name} | ${x.poolerClients} pooler clients, ${x.directConnections} direct | ${x.usdPerMonth} | ${src(x.source)} |`,
    );
  L.push(
    `| AWS Lambda | on demand | ${fmt(LAMBDA.regionConcurrency)} concurrent per region | $${LAMBDA.usdPerMillionRequests}/M requests | ${src(LAMBDA.source)} |`,
  );
  L.push(
    `| PhantomBuster timing | — | ${PHANTOMBUSTER_TIMING.launchMs} ms launch + ${PHANTOMBUSTER_TIMING.msPerProfile} ms/profile (modelled, the stand-in's setting) | — | ${src(PHANTOMBUSTER_TIMING.source)} |`,
  );
  L.push(
    '',
    '## Charts',
    '',
    'The HTML version of this report (`capacity-report.html`, same command) draws: ' +
      r.charts.map((c) => c.title).join('; ') +
      '.',
    '',
  );
  return `${L.join('\n')}\n`;
}
