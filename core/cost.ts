import { monthBounds } from './zoned-time.ts';

/**
 * Month-to-date spend, a linear projection to month end (calendar month in the schedule
 * timezone) and the budget verdict: warning when the projection reaches 80% of the budget,
 * critical once the actual month-to-date spend reaches 100%.
 *
 * Supabase has no usage or billing API (the org/project usage endpoints answer 404): its
 * figure is the plan price plus what SQL can measure (database size over the included disk);
 * egress is dashboard-only and not counted.
 */

export const PROJECTED_WARNING_RATIO = 0.8;
export const ACTUAL_CRITICAL_RATIO = 1;

export type CostService = 'anthropic' | 'upstash' | 'phantombuster' | 'supabase';
export type BudgetLevel = 'ok' | 'warning' | 'critical';

export interface ServiceCost {
  service: CostService;
  monthToDateUsd: number;
  projectedUsd: number;
  budgetUsd: number;
  level: BudgetLevel;
  /** Where the number comes from, shown in the report. */
  basis: string;
}

/**
 * Anthropic cost-report `amount`: a decimal string in cents ("123.45" is $1.2345). Parsed as
 * integer micro-cents so sums of many buckets do not drift.
 */
export function parseCentsAmount(amount: unknown): number {
  if (typeof amount !== 'string' || !/^-?\d+(\.\d+)?$/.test(amount)) {
    throw new TypeError(`expected a decimal string of cents, got ${JSON.stringify(amount)}`);
  }
  return Number(amount) / 100;
}

/** Sums Anthropic amounts exactly: each is rounded to 1/10 000 of a cent before adding. */
export function sumCentsAmounts(amounts: readonly string[]): number {
  let microCents = 0;
  for (const a of amounts) microCents += Math.round(parseCentsAmount(a) * 100 * 10_000);
  return microCents / 10_000 / 100;
}

/** Fraction of the month elapsed at `now`, in (0, 1]. */
export function monthElapsedFraction(now: Date, timeZone: string): number {
  const { start, end } = monthBounds(now, timeZone);
  const elapsed = now.getTime() - start.getTime();
  // Right after midnight on the 1st a projection would divide by ~0: count at least one hour.
  return Math.min(1, Math.max(elapsed, 3_600_000) / (end.getTime() - start.getTime()));
}

export function projectMonthEnd(monthToDateUsd: number, now: Date, timeZone: string): number {
  return monthToDateUsd / monthElapsedFraction(now, timeZone);
}

export function budgetLevel(
  monthToDateUsd: number,
  projectedUsd: number,
  budgetUsd: number,
): BudgetLevel {
  if (monthToDateUsd >= budgetUsd * ACTUAL_CRITICAL_RATIO) return 'critical';
  if (projectedUsd >= budgetUsd * PROJECTED_WARNING_RATIO) return 'warning';
  return 'ok';
}

export function evaluateServiceCost(input: {
  service: CostService;
  monthToDateUsd: number;
  budgetUsd: number;
  now: Date;
  timeZone: string;
  basis: string;
  /** Flat monthly prices (plans) are known for the whole month, not extrapolated. */
  projectedUsd?: number;
}): ServiceCost {
  const projectedUsd =
    input.projectedUsd ?? projectMonthEnd(input.monthToDateUsd, input.now, input.timeZone);
  return {
    service: input.service,
    monthToDateUsd: round2(input.monthToDateUsd),
    projectedUsd: round2(projectedUsd),
    budgetUsd: input.budgetUsd,
    level: budgetLevel(input.monthToDateUsd, projectedUsd, input.budgetUsd),
    basis: input.basis,
  };
}

/** Supabase Pro includes 8 GB of disk per project, then $0.125/GB-month. */
export function supabaseMonthlyUsd(planUsd: number, databaseBytes: number): number {
  const overGb = Math.max(0, databaseBytes / 1024 ** 3 - 8);
  return planUsd + overGb * 0.125;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Plan-priced services (PhantomBuster, Supabase) cost their plan price whatever happens; what
 * can go wrong is the quota behind it. Warning when usage is projected to reach 80% of the
 * quota, critical once it is used up (more spend or a stop follows). `projectedUsd` adds the
 * overage cost when the projection passes the quota.
 */
export function evaluatePlanService(input: {
  service: CostService;
  planUsd: number;
  usedRatio: number;
  projectedRatio: number;
  now: Date;
  timeZone: string;
  basis: string;
  /** USD per 100% of quota beyond the plan; defaults to the plan price (buy another plan). */
  overageUsdPerQuota?: number;
}): ServiceCost & { quotaUsedRatio: number; quotaProjectedRatio: number } {
  const overage =
    Math.max(0, input.projectedRatio - 1) * (input.overageUsdPerQuota ?? input.planUsd);
  const level: BudgetLevel =
    input.usedRatio >= ACTUAL_CRITICAL_RATIO
      ? 'critical'
      : input.projectedRatio >= PROJECTED_WARNING_RATIO
        ? 'warning'
        : 'ok';
  return {
    service: input.service,
    monthToDateUsd: round2(input.planUsd * monthElapsedFraction(input.now, input.timeZone)),
    projectedUsd: round2(input.planUsd + overage),
    budgetUsd: input.planUsd,
    level,
    basis: input.basis,
    quotaUsedRatio: input.usedRatio,
    quotaProjectedRatio: input.projectedRatio,
  };
}
