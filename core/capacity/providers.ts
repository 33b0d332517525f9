/**
 * Provider plans and limits as data, each number with its public source and the date it was
 * read (docs/load/provider-limits.md says the same in prose). `verified: false` marks a number
 * no primary source confirmed: the capacity report prints it as such, and the live value
 * (response headers, `fetch-resources`, the console) wins over it.
 */
export interface Source {
  url: string;
  asOf: string;
  verified: boolean;
}

export interface N8nPlan {
  name: string;
  /** Concurrent production executions; more wait in a FIFO queue. */
  concurrency: number;
  executionsPerMonth: number;
  usdPerMonth: number;
  source: Source;
}

const N8N_CONCURRENCY: Source = {
  url: 'https://docs.n8n.io/manage-cloud/concurrency/',
  asOf: '2026-11-25',
  verified: true,
};
const N8N_PRICING: Source = { url: 'https://n8n.io/pricing/', asOf: '2026-05-04', verified: false };

export const N8N_PLANS: Record<'starter' | 'pro' | 'pro-50k' | 'enterprise', N8nPlan> = {
  starter: {
    name: 'Starter',
    concurrency: 5,
    executionsPerMonth: 2_500,
    usdPerMonth: 24,
    source: N8N_CONCURRENCY,
  },
  pro: {
    name: 'Pro (10k)',
    concurrency: 20,
    executionsPerMonth: 10_000,
    usdPerMonth: 60,
    source: N8N_CONCURRENCY,
  },
  'pro-50k': {
    name: 'Pro (50k)',
    concurrency: 50,
    executionsPerMonth: 50_000,
    usdPerMonth: 120,
    source: N8N_PRICING,
  },
  enterprise: {
    name: 'Enterprise',
    concurrency: 200,
    executionsPerMonth: 1_000_000,
    usdPerMonth: 1_000,
    source: N8N_PRICING,
  },
};
export type N8nPlanId = keyof typeof N8N_PLANS;

export interface PhantomBusterPlan {
  name: string;
  /** Phantom slots: agents that can exist, each running one container at a time. */
  slots: number;
  executionHoursPerMonth: number;
  usdPerMonth: number;
  source: Source;
}

const PB_PRICING: Source = {
  url: 'https://phantombuster.com/pricing',
  asOf: '2026-11-25',
  verified: false,
};

export const PHANTOMBUSTER_PLANS: Record<'starter' | 'pro' | 'team', PhantomBusterPlan> = {
  starter: {
    name: 'Starter',
    slots: 5,
    executionHoursPerMonth: 20,
    usdPerMonth: 69,
    source: PB_PRICING,
  },
  pro: { name: 'Pro', slots: 15, executionHoursPerMonth: 80, usdPerMonth: 159, source: PB_PRICING },
  team: {
    name: 'Team',
    slots: 50,
    executionHoursPerMonth: 300,
    usdPerMonth: 439,
    source: PB_PRICING,
  },
};
export type PhantomBusterPlanId = keyof typeof PHANTOMBUSTER_PLANS;

/** How long a PhantomBuster container takes: start-up, then per profile (modelled). */
export const PHANTOMBUSTER_TIMING = {
  launchMs: 2_000,
  msPerProfile: 300,
  source: {
    url: 'https://hub.phantombuster.com/reference',
    asOf: '2026-11-25',
    verified: false,
  } satisfies Source,
};

export interface ClaudeTier {
  name: string;
  requestsPerMinute: number;
  inputTokensPerMinute: number;
  outputTokensPerMinute: number;
  /** Monthly spend cap; null = none. */
  monthlySpendCapUsd: number | null;
  source: Source;
}

const CLAUDE_LIMITS: Source = {
  url: 'https://docs.anthropic.com/en/api/rate-limits',
  asOf: '2025-11-08',
  verified: false,
};

/** Haiku-class limits of the last official table (Nov 2025); caps of the 2026 tiers. */
export const CLAUDE_TIERS: Record<'tier1' | 'tier2' | 'tier3' | 'tier4', ClaudeTier> = {
  tier1: {
    name: 'Tier 1 / Start',
    requestsPerMinute: 50,
    inputTokensPerMinute: 50_000,
    outputTokensPerMinute: 10_000,
    monthlySpendCapUsd: 500,
    source: CLAUDE_LIMITS,
  },
  tier2: {
    name: 'Tier 2 / Build',
    requestsPerMinute: 1_000,
    inputTokensPerMinute: 450_000,
    outputTokensPerMinute: 90_000,
    monthlySpendCapUsd: 1_000,
    source: CLAUDE_LIMITS,
  },
  tier3: {
    name: 'Tier 3',
    requestsPerMinute: 2_000,
    inputTokensPerMinute: 1_000_000,
    outputTokensPerMinute: 200_000,
    monthlySpendCapUsd: 200_000,
    source: CLAUDE_LIMITS,
  },
  tier4: {
    name: 'Tier 4 / Scale',
    requestsPerMinute: 4_000,
    inputTokensPerMinute: 4_000_000,
    outputTokensPerMinute: 800_000,
    monthlySpendCapUsd: 200_000,
    source: CLAUDE_LIMITS,
  },
};
export type ClaudeTierId = keyof typeof CLAUDE_TIERS;

export interface UpstashPlan {
  name: string;
  commandsPerSecond: number;
  /** Monthly command allowance; null = metered without a cap. */
  commandsPerMonth: number | null;
  usdPerMonth: number;
  usdPer100kCommands: number;
  source: Source;
}

const UPSTASH_PRICING: Source = {
  url: 'https://upstash.com/docs/redis/overall/pricing',
  asOf: '2026-06-18',
  verified: true,
};

export const UPSTASH_PLANS: Record<'free' | 'payg' | 'fixed-250mb', UpstashPlan> = {
  free: {
    name: 'Free',
    commandsPerSecond: 10_000,
    commandsPerMonth: 500_000,
    usdPerMonth: 0,
    usdPer100kCommands: 0,
    source: UPSTASH_PRICING,
  },
  payg: {
    name: 'Pay as you go',
    commandsPerSecond: 10_000,
    commandsPerMonth: null,
    usdPerMonth: 0,
    usdPer100kCommands: 0.2,
    source: UPSTASH_PRICING,
  },
  'fixed-250mb': {
    name: 'Fixed 250 MB',
    commandsPerSecond: 10_000,
    commandsPerMonth: null,
    usdPerMonth: 10,
    usdPer100kCommands: 0,
    source: UPSTASH_PRICING,
  },
};
export type UpstashPlanId = keyof typeof UPSTASH_PLANS;

export interface SupabaseCompute {
  name: string;
  poolerClients: number;
  directConnections: number;
  usdPerMonth: number;
  source: Source;
}

const SUPABASE_COMPUTE: Source = {
  url: 'https://supabase.com/docs/guides/platform/compute-and-disk',
  asOf: '2026-11-25',
  verified: true,
};

/** Pro plan ($25, $10 of compute credit) plus the compute add-on. */
export const SUPABASE_COMPUTE_SIZES: Record<
  'micro' | 'small' | 'medium' | 'large',
  SupabaseCompute
> = {
  micro: {
    name: 'Pro + Micro',
    poolerClients: 200,
    directConnections: 60,
    usdPerMonth: 25,
    source: SUPABASE_COMPUTE,
  },
  small: {
    name: 'Pro + Small',
    poolerClients: 400,
    directConnections: 90,
    usdPerMonth: 30,
    source: SUPABASE_COMPUTE,
  },
  medium: {
    name: 'Pro + Medium',
    poolerClients: 600,
    directConnections: 120,
    usdPerMonth: 75,
    source: SUPABASE_COMPUTE,
  },
  large: {
    name: 'Pro + Large',
    poolerClients: 800,
    directConnections: 160,
    usdPerMonth: 125,
    source: SUPABASE_COMPUTE,
  },
};
export type SupabaseComputeId = keyof typeof SUPABASE_COMPUTE_SIZES;

export const LAMBDA = {
  regionConcurrency: 1_000,
  usdPerMillionRequests: 0.2,
  usdPerGbSecond: 0.0000166667,
  source: {
    url: 'https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html',
    asOf: '2026-11-25',
    verified: true,
  } satisfies Source,
};
