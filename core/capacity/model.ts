import {
  CLAUDE_TIERS,
  type ClaudeTierId,
  LAMBDA,
  N8N_PLANS,
  type N8nPlanId,
  PHANTOMBUSTER_PLANS,
  PHANTOMBUSTER_TIMING,
  type PhantomBusterPlanId,
  SUPABASE_COMPUTE_SIZES,
  type SupabaseComputeId,
  UPSTASH_PLANS,
  type UpstashPlanId,
} from './providers.ts';
import {
  PEAK_HOUR_FACTOR,
  PROSPECTS_PER_SCRAPE,
  type UsageProfile,
  WORKING_HOURS,
} from './profile.ts';

/**
 * The capacity model: for a number of customers, what each provider must carry (from the
 * seed's usage profile and, where a load run measured it, the measured per-request figures),
 * the headroom each plan leaves, the binding limit, the monthly cost and the plan to buy.
 * Pure: the report command feeds it the profile and the load results it read.
 */
export const CUSTOMER_COUNTS = [10, 50, 100, 200] as const;
/** A plan is "enough" while it keeps this much headroom at the busiest hour or month. */
export const TARGET_HEADROOM = 0.2;
const DAYS_PER_MONTH = 30;

/** Per-request figures a load run measured (absent: the modelled defaults are used). */
export interface Measured {
  /** n8n execution time of one scrape-and-enrich run (s), scenario 1. */
  scrapeExecutionSeconds?: number;
  /** Tokens per enrichment, scenario 3. */
  enrichmentInputTokens?: number;
  enrichmentOutputTokens?: number;
  enrichmentCostUsd?: number;
  /** API latency p50 (s) at 100 users, scenario 4. */
  apiP50Seconds?: number;
}

/** Assumptions that no measurement here gives; printed in the report. */
export const ASSUMPTIONS = {
  /** Seats per customer active at the busiest hour. */
  activeUsersPerCustomer: 0.5,
  /** API requests an active user makes per second (a page view every 5 s). */
  apiRequestsPerActiveUserPerSecond: 0.2,
  /** Upstash commands per email: enqueue 3, claim 1, acknowledge 2 (core/email-queue.ts). */
  commandsPerEmail: 6,
  /**
   * Upstash commands per enrichment: cache read + cache write, plus the shared Claude limiter's
   * take and settle scripts (2, measured 2.35 when instances wait and poll: docs/load/enrichment-gateway.md).
   */
  commandsPerEnrichment: 4.35,
  /** Modelled enrichment when no run measured it. */
  enrichmentInputTokens: 180,
  enrichmentOutputTokens: 120,
  /** Output tokens reserved per call (ENRICHMENT_MAX_TOKENS default). */
  enrichmentMaxTokens: 300,
  /** Lambda memory (GB) and pooled connections per API instance. */
  lambdaMemoryGb: 0.5,
  connectionsPerInstance: 1,
};

export type Provider = 'n8n' | 'phantombuster' | 'claude' | 'upstash' | 'supabase' | 'lambda';

export interface Constraint {
  provider: Provider;
  /** What is limited, e.g. "concurrent executions". */
  limit: string;
  demand: number;
  capacity: number;
  /** 1 − demand/capacity (negative: over the limit). */
  headroom: number;
}

export interface ProviderLine {
  provider: Provider;
  plan: string;
  monthlyUsd: number;
  constraints: Constraint[];
  /** Lowest headroom of this provider's constraints. */
  headroom: number;
}

export interface CapacityRow {
  customers: number;
  lines: ProviderLine[];
  binding: Constraint;
  monthlyUsd: number;
}

export interface Demand {
  scrapesPerMonth: number;
  scrapeConcurrencyAtPeak: number;
  phantomBusterHoursPerMonth: number;
  enrichmentsPerMonth: number;
  claudeRpmAtPeak: number;
  claudeItpmAtPeak: number;
  claudeOtpmReservedAtPeak: number;
  claudeUsdPerMonth: number;
  upstashCommandsPerMonth: number;
  upstashCommandsPerSecondAtPeak: number;
  apiRequestsPerSecondAtPeak: number;
  lambdaConcurrencyAtPeak: number;
  lambdaUsdPerMonth: number;
}

/** Per-second rate at the busiest hour, from a per-day count. */
const peakPerSecond = (perDay: number) => (perDay / WORKING_HOURS / 3600) * PEAK_HOUR_FACTOR;

export function demandFor(customers: number, p: UsageProfile, m: Measured = {}): Demand {
  const scrapeSeconds =
    m.scrapeExecutionSeconds ??
    (PHANTOMBUSTER_TIMING.launchMs + PROSPECTS_PER_SCRAPE * PHANTOMBUSTER_TIMING.msPerProfile) /
      1000;
  const containerSeconds =
    (PHANTOMBUSTER_TIMING.launchMs + PROSPECTS_PER_SCRAPE * PHANTOMBUSTER_TIMING.msPerProfile) /
    1000;
  const scrapesPerDay = customers * p.scrapesPerDay;
  const enrichPerDay = customers * p.enrichmentsPerDay;
  const inTok = m.enrichmentInputTokens ?? ASSUMPTIONS.enrichmentInputTokens;
  const outTok = m.enrichmentOutputTokens ?? ASSUMPTIONS.enrichmentOutputTokens;
  // Haiku 5.5 at the dated prices unless a run measured the cost per call.
  const costPerCall = m.enrichmentCostUsd ?? (inTok * 0.1 + outTok * 0.5) / 1e6;
  const apiRps =
    customers * ASSUMPTIONS.activeUsersPerCustomer * ASSUMPTIONS.apiRequestsPerActiveUserPerSecond;
  const apiSeconds = m.apiP50Seconds ?? 0.05;
  const apiPerMonth = (apiRps * 3600 * WORKING_HOURS * DAYS_PER_MONTH) / PEAK_HOUR_FACTOR;
  const lambdaConcurrency = apiRps * apiSeconds;
  return {
    scrapesPerMonth: scrapesPerDay * DAYS_PER_MONTH,
    // Little's law: executions in flight = arrival rate × time each takes.
    scrapeConcurrencyAtPeak: peakPerSecond(scrapesPerDay) * scrapeSeconds,
    phantomBusterHoursPerMonth: (scrapesPerDay * DAYS_PER_MONTH * containerSeconds) / 3600,
    enrichmentsPerMonth: enrichPerDay * DAYS_PER_MONTH,
    claudeRpmAtPeak: peakPerSecond(enrichPerDay) * 60,
    claudeItpmAtPeak: peakPerSecond(enrichPerDay) * 60 * inTok,
    claudeOtpmReservedAtPeak: peakPerSecond(enrichPerDay) * 60 * ASSUMPTIONS.enrichmentMaxTokens,
    claudeUsdPerMonth: enrichPerDay * DAYS_PER_MONTH * costPerCall,
    upstashCommandsPerMonth:
      (customers * p.emailsPerDay * ASSUMPTIONS.commandsPerEmail +
        enrichPerDay * ASSUMPTIONS.commandsPerEnrichment) *
      DAYS_PER_MONTH,
    upstashCommandsPerSecondAtPeak:
      peakPerSecond(customers * p.emailsPerDay) * ASSUMPTIONS.commandsPerEmail +
      peakPerSecond(enrichPerDay) * ASSUMPTIONS.commandsPerEnrichment,
    apiRequestsPerSecondAtPeak: apiRps,
    lambdaConcurrencyAtPeak: lambdaConcurrency,
    lambdaUsdPerMonth:
      (apiPerMonth / 1e6) * LAMBDA.usdPerMillionRequests +
      apiPerMonth * apiSeconds * ASSUMPTIONS.lambdaMemoryGb * LAMBDA.usdPerGbSecond,
  };
}

const c = (provider: Provider, limit: string, demand: number, capacity: number): Constraint => ({
  provider,
  limit,
  demand,
  capacity,
  headroom: capacity > 0 ? 1 - demand / capacity : -Infinity,
});

function line(
  provider: Provider,
  plan: string,
  monthlyUsd: number,
  constraints: Constraint[],
): ProviderLine {
  return {
    provider,
    plan,
    monthlyUsd,
    constraints,
    headroom: Math.min(...constraints.map((x) => x.headroom)),
  };
}

export function n8nLine(d: Demand, id: N8nPlanId): ProviderLine {
  const plan = N8N_PLANS[id];
  return line('n8n', plan.name, plan.usdPerMonth, [
    c(
      'n8n',
      'concurrent executions at the busiest hour',
      d.scrapeConcurrencyAtPeak,
      plan.concurrency,
    ),
    c('n8n', 'executions per month', d.scrapesPerMonth, plan.executionsPerMonth),
  ]);
}

export function phantomBusterLine(d: Demand, id: PhantomBusterPlanId): ProviderLine {
  const plan = PHANTOMBUSTER_PLANS[id];
  return line('phantombuster', plan.name, plan.usdPerMonth, [
    c('phantombuster', 'containers at once (slots)', d.scrapeConcurrencyAtPeak, plan.slots),
    c(
      'phantombuster',
      'execution hours per month',
      d.phantomBusterHoursPerMonth,
      plan.executionHoursPerMonth,
    ),
  ]);
}

export function claudeLine(d: Demand, id: ClaudeTierId): ProviderLine {
  const t = CLAUDE_TIERS[id];
  return line('claude', t.name, d.claudeUsdPerMonth, [
    c('claude', 'requests per minute', d.claudeRpmAtPeak, t.requestsPerMinute),
    c('claude', 'input tokens per minute', d.claudeItpmAtPeak, t.inputTokensPerMinute),
    c(
      'claude',
      'output tokens per minute (reserved)',
      d.claudeOtpmReservedAtPeak,
      t.outputTokensPerMinute,
    ),
    c('claude', 'monthly spend cap (USD)', d.claudeUsdPerMonth, t.monthlySpendCapUsd ?? Infinity),
  ]);
}

export function upstashLine(d: Demand, id: UpstashPlanId): ProviderLine {
  const plan = UPSTASH_PLANS[id];
  const cost = plan.usdPerMonth + (d.upstashCommandsPerMonth / 100_000) * plan.usdPer100kCommands;
  return line('upstash', plan.name, cost, [
    c('upstash', 'commands per second', d.upstashCommandsPerSecondAtPeak, plan.commandsPerSecond),
    c(
      'upstash',
      'commands per month',
      d.upstashCommandsPerMonth,
      plan.commandsPerMonth ?? Infinity,
    ),
  ]);
}

export function supabaseLine(d: Demand, id: SupabaseComputeId): ProviderLine {
  const size = SUPABASE_COMPUTE_SIZES[id];
  // Every API instance and each collector run holds a pooled connection; 5 for collectors.
  const clients = Math.ceil(d.lambdaConcurrencyAtPeak) * ASSUMPTIONS.connectionsPerInstance + 5;
  return line('supabase', size.name, size.usdPerMonth, [
    c('supabase', 'pooler clients', clients, size.poolerClients),
  ]);
}

export function lambdaLine(d: Demand): ProviderLine {
  return line('lambda', 'on demand', d.lambdaUsdPerMonth, [
    c(
      'lambda',
      'concurrent executions (region)',
      d.lambdaConcurrencyAtPeak,
      LAMBDA.regionConcurrency,
    ),
  ]);
}

/** Plans in price order for each provider: the report picks the first that is enough. */
const LADDERS = {
  n8n: (d: Demand) => (Object.keys(N8N_PLANS) as N8nPlanId[]).map((id) => n8nLine(d, id)),
  phantombuster: (d: Demand) =>
    (Object.keys(PHANTOMBUSTER_PLANS) as PhantomBusterPlanId[]).map((id) =>
      phantomBusterLine(d, id),
    ),
  claude: (d: Demand) =>
    (Object.keys(CLAUDE_TIERS) as ClaudeTierId[]).map((id) => claudeLine(d, id)),
  upstash: (d: Demand) => (['free', 'payg'] as UpstashPlanId[]).map((id) => upstashLine(d, id)),
  supabase: (d: Demand) =>
    (Object.keys(SUPABASE_COMPUTE_SIZES) as SupabaseComputeId[]).map((id) => supabaseLine(d, id)),
  lambda: (d: Demand) => [lambdaLine(d)],
};

/** The cheapest plan of each provider that keeps `TARGET_HEADROOM`, or the biggest one. */
export function recommend(d: Demand): ProviderLine[] {
  return Object.values(LADDERS).map((ladder) => {
    const options = ladder(d);
    return options.find((o) => o.headroom >= TARGET_HEADROOM) ?? options.at(-1)!;
  });
}

export function capacityRow(customers: number, p: UsageProfile, m: Measured = {}): CapacityRow {
  const lines = recommend(demandFor(customers, p, m));
  const binding = lines
    .flatMap((l) => l.constraints)
    .reduce((a, b) => (b.headroom < a.headroom ? b : a));
  return { customers, lines, binding, monthlyUsd: lines.reduce((s, l) => s + l.monthlyUsd, 0) };
}

/** For each provider, the customer count at which its plan must change (from `counts`). */
export function upgradePoints(
  p: UsageProfile,
  m: Measured,
  counts: readonly number[],
): Array<{ provider: Provider; from: string; to: string; atCustomers: number }> {
  const points: Array<{ provider: Provider; from: string; to: string; atCustomers: number }> = [];
  const current = new Map<Provider, string>();
  for (const n of counts) {
    for (const l of recommend(demandFor(n, p, m))) {
      const before = current.get(l.provider);
      if (before !== undefined && before !== l.plan)
        points.push({ provider: l.provider, from: before, to: l.plan, atCustomers: n });
      current.set(l.provider, l.plan);
    }
  }
  return points;
}
