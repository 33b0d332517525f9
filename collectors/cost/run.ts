import type { ModelTokens } from '../../adapters/anthropic/admin.ts';
import { tenantEnrichmentCosts } from '../../adapters/anthropic/enrichment-gateway.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import {
  type CostService,
  evaluatePlanService,
  evaluateServiceCost,
  monthElapsedFraction,
  round2,
  type ServiceCost,
  supabaseMonthlyUsd,
} from '../../core/cost.ts';
import { monthBounds, zonedDate } from '../../core/zoned-time.ts';
import {
  finish,
  raiseAndRecord,
  type RaiseAlert,
  type TickBase,
  unreadFrom,
} from '../shared/tick.ts';

/**
 * Daily cost: month-to-date and month-end projection per service against its budget.
 * Anthropic and Upstash are metered (projected linearly); PhantomBuster and Supabase are plan
 * prices whose risk is the quota behind them (see `evaluatePlanService`). Supabase has no
 * usage or billing API: its line is the plan price plus the database size SQL measures, and
 * the report says egress is not counted.
 *
 * The daily report goes to Slack directly (`postReport`), not through the alert outbox: it is
 * information, not an alert, and a lost report is replaced by tomorrow's; a failed post is
 * still reported (`collector-degraded` on `slack.report`).
 */
export interface CostDeps {
  db: Queryable;
  raise: RaiseAlert;
  timeZone: string;
  budgets: Record<CostService, number>;
  anthropic?: {
    costUsd(from: Date, to: Date): Promise<{ usd: number }>;
    /** A one-token message that meets the spend-cap 429 when the cap is reached; a reader
     * that only sums costs (the weekly summary) leaves it out and sends nothing billed. */
    spendCapReached?(): Promise<boolean>;
    /**
     * Loads what `spendCapReached` needs (the Anthropic SDK, a large module whose evaluation
     * holds the event loop) before the timed reads start, so that time never counts against
     * another read's timeout when they run at once.
     */
    load?(): Promise<unknown>;
    /** Tokens per model (usage_report); optional: the cost stands without it. */
    usageByModel?(from: Date, to: Date): Promise<ModelTokens[]>;
  };
  upstash?: () => Promise<{ usd: number }>;
  phantombuster?: () => Promise<{ executionMinutesUsed: number; executionMinutesMax: number }>;
  postReport?: (text: string) => Promise<void>;
}

export type TenantEnrichmentCost = { tenantId: string; requests: number; usd: number };

/** Tenants named one by one in the Slack report; the rest are summed on one line. */
export const REPORTED_TENANTS = 10;

export type CostLine = ServiceCost & { quotaUsedRatio?: number; quotaProjectedRatio?: number };

export interface CostSummary extends TickBase {
  month: string;
  services: CostLine[];
  /** Services configured out (no credentials) — listed, never counted as zero. */
  notConfigured: CostService[];
  totalMonthToDateUsd: number;
  totalProjectedUsd: number;
  spendCapReached: boolean | null;
  /** Anthropic tokens by model, month to date; null when not read. */
  anthropicTokens: ModelTokens[] | null;
  /**
   * Claude spend through the enrichment gateway per tenant (ids only), the UTC days of the
   * month so far, as the gateway metered it at dated list prices; null when not read.
   */
  tenantEnrichment: TenantEnrichmentCost[] | null;
  notes: string[];
  report: string;
}

const SUPABASE_NOTE =
  'Supabase has no usage or billing API: plan price + database size from SQL; egress and compute add-ons are not counted.';

/** Reads every service; failures land in `unread`. Raises nothing (the weekly summary reuses it). */
export async function readCosts(
  deps: CostDeps,
  now: Date,
): Promise<
  Pick<
    CostSummary,
    | 'month'
    | 'services'
    | 'notConfigured'
    | 'unread'
    | 'spendCapReached'
    | 'anthropicTokens'
    | 'tenantEnrichment'
    | 'notes'
  >
> {
  const { year, month } = zonedDate(now, deps.timeZone);
  const monthLabel = `${year}-${String(month).padStart(2, '0')}`;
  const { start } = monthBounds(now, deps.timeZone);
  const services: CostLine[] = [];
  const unread: CostSummary['unread'] = [];
  const notConfigured: CostService[] = [];
  let spendCapReached: boolean | null = null;
  let anthropicTokens: ModelTokens[] | null = null;
  let tenantEnrichment: TenantEnrichmentCost[] | null = null;
  const base = { now, timeZone: deps.timeZone };
  // The gateway meters per UTC day: the UTC month's days up to and including today. Not the
  // report's month: on a month's last evening Paris is already in the next one, and its UTC
  // days would not have started (the per-tenant lines went empty from 23:00 UTC).
  const monthStartUtc = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const tomorrow = new Date(now.getTime() + 24 * 3600 * 1000);

  // Every read is independent: they run at once (the run lasts as long as the slowest, the
  // spend-cap probe's message, not their sum). Each settles on its own, so one failing
  // provider never loses the others' answers; results are read back in a fixed order below,
  // so `services` and `unread` keep the same order whatever answers first.
  const anthropic = deps.anthropic;
  if (anthropic?.spendCapReached) await anthropic.load?.();
  const [
    anthropicCost,
    anthropicUsage,
    spendCap,
    upstashCost,
    phantombusterUsage,
    tenantCosts,
    databaseSize,
  ] = await Promise.allSettled([
    anthropic?.costUsd(start, now),
    anthropic?.usageByModel?.(start, now),
    anthropic?.spendCapReached?.(),
    deps.upstash?.(),
    deps.phantombuster?.(),
    tenantEnrichmentCosts(deps.db, monthStartUtc, tomorrow),
    deps.db.query<{ bytes: string }>('select pg_database_size(current_database())::text as bytes'),
  ]);

  if (anthropic) {
    if (anthropicCost.status === 'fulfilled' && anthropicCost.value) {
      services.push(
        evaluateServiceCost({
          ...base,
          service: 'anthropic',
          monthToDateUsd: anthropicCost.value.usd,
          budgetUsd: deps.budgets.anthropic,
          basis: 'Admin API cost_report (priority tier excluded)',
        }),
      );
    } else if (anthropicCost.status === 'rejected') {
      unread.push(unreadFrom('anthropic.cost_report', anthropicCost.reason));
    }
    if (anthropic.usageByModel) {
      if (anthropicUsage.status === 'fulfilled') anthropicTokens = anthropicUsage.value ?? null;
      else unread.push(unreadFrom('anthropic.usage_report', anthropicUsage.reason));
    }
    if (spendCap.status === 'fulfilled') spendCapReached = spendCap.value ?? null;
    else unread.push(unreadFrom('anthropic.messages', spendCap.reason));
  } else notConfigured.push('anthropic');

  if (deps.upstash) {
    if (upstashCost.status === 'fulfilled' && upstashCost.value) {
      services.push(
        evaluateServiceCost({
          ...base,
          service: 'upstash',
          monthToDateUsd: upstashCost.value.usd,
          budgetUsd: deps.budgets.upstash,
          basis: 'Developer API total_monthly_billing',
        }),
      );
    } else if (upstashCost.status === 'rejected') {
      unread.push(unreadFrom('upstash.stats', upstashCost.reason));
    }
  } else notConfigured.push('upstash');

  if (deps.phantombuster) {
    if (phantombusterUsage.status === 'fulfilled' && phantombusterUsage.value) {
      const usage = phantombusterUsage.value;
      const usedRatio =
        usage.executionMinutesMax > 0 ? usage.executionMinutesUsed / usage.executionMinutesMax : 1;
      services.push(
        evaluatePlanService({
          ...base,
          service: 'phantombuster',
          planUsd: deps.budgets.phantombuster,
          usedRatio,
          projectedRatio: usedRatio / monthElapsedFraction(now, deps.timeZone),
          basis: `plan price; execution time ${Math.round(usage.executionMinutesUsed)}/${Math.round(usage.executionMinutesMax)} min`,
        }),
      );
    } else if (phantombusterUsage.status === 'rejected') {
      unread.push(unreadFrom('phantombuster.fetch-resources', phantombusterUsage.reason));
    }
  } else notConfigured.push('phantombuster');

  if (tenantCosts.status === 'fulfilled') tenantEnrichment = tenantCosts.value;
  else unread.push(unreadFrom('enrichment_usage.sql', tenantCosts.reason));

  if (databaseSize.status === 'fulfilled') {
    const bytes = Number(databaseSize.value.rows[0]?.bytes ?? 0);
    const includedBytes = 8 * 1024 ** 3;
    const monthly = supabaseMonthlyUsd(deps.budgets.supabase, bytes);
    services.push({
      ...evaluatePlanService({
        ...base,
        service: 'supabase',
        planUsd: deps.budgets.supabase,
        usedRatio: bytes / includedBytes,
        projectedRatio: bytes / includedBytes,
        basis: `plan price + database size ${(bytes / 1024 ** 2).toFixed(0)} MB (SQL)`,
        overageUsdPerQuota: 1,
      }),
      projectedUsd: round2(monthly),
    });
  } else unread.push(unreadFrom('supabase.sql', databaseSize.reason));
  return {
    month: monthLabel,
    services,
    notConfigured,
    unread,
    spendCapReached,
    anthropicTokens,
    tenantEnrichment,
    notes: [SUPABASE_NOTE],
  };
}

export async function run(deps: CostDeps, now: Date): Promise<CostSummary> {
  const read = await readCosts(deps, now);
  const summary: CostSummary = {
    collector: 'cost',
    at: now.toISOString(),
    status: 'ok',
    alertsRaised: [],
    metrics: [],
    ...read,
    totalMonthToDateUsd: round2(read.services.reduce((s, c) => s + c.monthToDateUsd, 0)),
    totalProjectedUsd: round2(read.services.reduce((s, c) => s + c.projectedUsd, 0)),
    report: '',
  };
  for (const c of summary.services) {
    summary.metrics.push({
      name: 'vigie_cost_month_to_date_usd',
      value: c.monthToDateUsd,
      labels: { service: c.service },
    });
    summary.metrics.push({
      name: 'vigie_cost_projected_usd',
      value: c.projectedUsd,
      labels: { service: c.service },
    });
    const percent = Math.round((c.quotaProjectedRatio ?? c.projectedUsd / c.budgetUsd) * 100);
    if (c.level === 'critical') {
      await raiseAndRecord(
        deps,
        summary.alertsRaised,
        'cost-over-budget',
        {
          service: c.service,
          actualUsd: c.monthToDateUsd,
          budgetUsd: c.budgetUsd,
          month: summary.month,
        },
        now,
      );
    } else if (c.level === 'warning') {
      await raiseAndRecord(
        deps,
        summary.alertsRaised,
        'cost-projected-over-budget',
        {
          service: c.service,
          projectedUsd: c.projectedUsd,
          budgetUsd: c.budgetUsd,
          percent,
          month: summary.month,
        },
        now,
      );
    }
  }
  for (const t of summary.tenantEnrichment ?? []) {
    summary.metrics.push({
      name: 'vigie_cost_tenant_enrichment_usd',
      value: t.usd,
      labels: { tenant_id: t.tenantId },
    });
  }
  if (summary.spendCapReached) {
    await raiseAndRecord(
      deps,
      summary.alertsRaised,
      'anthropic-spend-cap-reached',
      { errorCode: 'enforced_spend_limit_reached' },
      now,
    );
  }
  summary.report = formatCostReport(summary);
  if (deps.postReport) {
    try {
      await deps.postReport(summary.report);
    } catch (error) {
      summary.unread.push(unreadFrom('slack.report', error));
    }
  }
  return finish(deps, summary, now);
}

/** Plain text for Slack: ids and amounts only. */
export function formatCostReport(
  s: Pick<
    CostSummary,
    | 'month'
    | 'services'
    | 'unread'
    | 'notConfigured'
    | 'spendCapReached'
    | 'anthropicTokens'
    | 'tenantEnrichment'
    | 'notes'
    | 'totalMonthToDateUsd'
    | 'totalProjectedUsd'
  >,
): string {
  const icon = { ok: '✅', warning: '⚠️', critical: '🔴' } as const;
  const lines = [
    `*Daily cost report ${s.month}* — month to date $${s.totalMonthToDateUsd.toFixed(2)}, projected $${s.totalProjectedUsd.toFixed(2)}`,
  ];
  for (const c of s.services) {
    lines.push(
      `${icon[c.level]} ${c.service}: $${c.monthToDateUsd.toFixed(2)} so far, projected $${c.projectedUsd.toFixed(2)} of $${c.budgetUsd.toFixed(2)} (${c.basis})`,
    );
    if (c.service === 'anthropic') {
      for (const t of s.anthropicTokens ?? []) {
        lines.push(
          `    ${t.model}: ${tokens(t.inputTokens)} input, ${tokens(t.cacheReadTokens)} cache read, ${tokens(t.cacheWriteTokens)} cache write, ${tokens(t.outputTokens)} output tokens so far (usage_report)`,
        );
      }
    }
  }
  const tenants = s.tenantEnrichment ?? [];
  if (tenants.length > 0) {
    lines.push('🧾 Claude through the enrichment gateway, per tenant (metered at list prices):');
    for (const t of tenants.slice(0, REPORTED_TENANTS)) {
      lines.push(`    tenant ${t.tenantId}: $${t.usd.toFixed(2)}, ${tokens(t.requests)} calls`);
    }
    const rest = tenants.slice(REPORTED_TENANTS);
    if (rest.length > 0) {
      const usd = rest.reduce((sum, t) => sum + t.usd, 0);
      const calls = rest.reduce((sum, t) => sum + t.requests, 0);
      lines.push(`    ${rest.length} more tenants: $${usd.toFixed(2)}, ${tokens(calls)} calls`);
    }
  }
  for (const u of s.unread)
    lines.push(`❓ could not read ${u.source} (${u.reason}): totals above leave it out`);
  for (const n of s.notConfigured) lines.push(`➖ ${n}: not configured`);
  if (s.spendCapReached)
    lines.push('🔴 Anthropic spend cap reached: enrichment is stopped until the 1st (UTC)');
  lines.push(...s.notes.map((n) => `ℹ️ ${n}`));
  return lines.join('\n');
}

function tokens(n: number): string {
  return n.toLocaleString('en-US');
}
