import {
  anthropicCostUsd,
  anthropicSpendCapReached,
  anthropicUsageByModel,
} from '../../adapters/anthropic/admin.ts';
import { anthropicSdk } from '../../adapters/anthropic/sdk.ts';
import { phantomBusterUsage } from '../../adapters/phantombuster/resources.ts';
import { upstashMonthlyBillingUsd } from '../../adapters/upstash/management.ts';
import { type Config, requireSettings } from '../../core/config.ts';
import type { CostDeps } from './run.ts';

export type CostSources = Omit<CostDeps, 'db' | 'raise' | 'timeZone' | 'postReport'>;

/**
 * The cost readers for the services whose key is set (also the weekly summary's cost section).
 * A provider whose key is unset is "not configured", never zero; one whose key is set needs
 * its other settings too.
 */
export function costSources(c: Config): CostSources {
  const sources: CostSources = {
    budgets: {
      anthropic: c.BUDGET_ANTHROPIC_USD,
      upstash: c.BUDGET_UPSTASH_USD,
      phantombuster: c.BUDGET_PHANTOMBUSTER_USD,
      supabase: c.BUDGET_SUPABASE_USD,
    },
  };
  if (c.ANTHROPIC_ADMIN_KEY) {
    const a = requireSettings(
      c,
      ['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_ADMIN_KEY'],
      'Anthropic cost reading',
    );
    sources.anthropic = {
      costUsd: (from, to) =>
        anthropicCostUsd(
          { baseUrl: a.ANTHROPIC_BASE_URL, adminKey: a.ANTHROPIC_ADMIN_KEY },
          from,
          to,
        ),
      load: () => anthropicSdk(),
      spendCapReached: () =>
        anthropicSpendCapReached({ baseUrl: a.ANTHROPIC_BASE_URL, apiKey: a.ANTHROPIC_API_KEY }),
      usageByModel: (from, to) =>
        anthropicUsageByModel(
          { baseUrl: a.ANTHROPIC_BASE_URL, adminKey: a.ANTHROPIC_ADMIN_KEY },
          from,
          to,
        ),
    };
  }
  if (c.UPSTASH_API_KEY) {
    const u = requireSettings(
      c,
      ['UPSTASH_API_BASE_URL', 'UPSTASH_API_EMAIL', 'UPSTASH_API_KEY', 'UPSTASH_DATABASE_ID'],
      'Upstash cost reading',
    );
    sources.upstash = () =>
      upstashMonthlyBillingUsd({
        baseUrl: u.UPSTASH_API_BASE_URL,
        email: u.UPSTASH_API_EMAIL,
        apiKey: u.UPSTASH_API_KEY,
        databaseId: u.UPSTASH_DATABASE_ID,
      });
  }
  if (c.PHANTOMBUSTER_API_KEY) {
    const p = requireSettings(
      c,
      ['PHANTOMBUSTER_BASE_URL', 'PHANTOMBUSTER_API_KEY'],
      'PhantomBuster cost reading',
    );
    sources.phantombuster = () =>
      phantomBusterUsage({ baseUrl: p.PHANTOMBUSTER_BASE_URL, apiKey: p.PHANTOMBUSTER_API_KEY });
  }
  return sources;
}
