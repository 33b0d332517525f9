import { describe, expect, it } from 'vitest';
import {
  budgetLevel,
  evaluatePlanService,
  evaluateServiceCost,
  monthElapsedFraction,
  parseCentsAmount,
  projectMonthEnd,
  sumCentsAmounts,
  supabaseMonthlyUsd,
} from './cost.ts';
import { monthBounds } from './zoned-time.ts';

const PARIS = 'Europe/Paris';

describe('Anthropic amounts', () => {
  it('reads decimal strings of cents', () => {
    expect(parseCentsAmount('123.45')).toBeCloseTo(1.2345, 10);
    expect(parseCentsAmount('0')).toBe(0);
    expect(sumCentsAmounts(['0.1', '0.2', '100'])).toBeCloseTo(1.003, 10);
  });

  it.each([[123.45], ['12,3'], [''], ['1e3'], [null]])('refuses %j', (value) => {
    expect(() => parseCentsAmount(value)).toThrow(/decimal string of cents/);
  });
});

describe('month in the schedule timezone', () => {
  it('starts at Paris midnight, not UTC midnight', () => {
    const { start, end } = monthBounds(new Date('2026-11-15T12:00:00Z'), PARIS);
    expect(start.toISOString()).toBe('2026-10-31T23:00:00.000Z');
    expect(end.toISOString()).toBe('2026-11-30T23:00:00.000Z');
  });

  it('puts 23:30 UTC on the last day into the next Paris month', () => {
    const { start } = monthBounds(new Date('2026-11-30T23:30:00Z'), PARIS);
    expect(start.toISOString()).toBe('2026-11-30T23:00:00.000Z');
  });

  it('handles the DST month (March: 31 days minus one hour)', () => {
    const { start, end } = monthBounds(new Date('2026-03-10T00:00:00Z'), PARIS);
    expect((end.getTime() - start.getTime()) / 3_600_000).toBe(31 * 24 - 1);
  });

  it('projects linearly to month end', () => {
    // Nov 16 00:00 Paris: exactly half of a 30-day month.
    const now = new Date('2026-11-15T23:00:00Z');
    expect(monthElapsedFraction(now, PARIS)).toBeCloseTo(0.5, 10);
    expect(projectMonthEnd(50, now, PARIS)).toBeCloseTo(100, 10);
  });
});

describe('budget levels', () => {
  it('warns at 80% projected and is critical at 100% actual', () => {
    expect(budgetLevel(10, 79.99, 100)).toBe('ok');
    expect(budgetLevel(10, 80, 100)).toBe('warning');
    expect(budgetLevel(100, 100, 100)).toBe('critical');
  });

  it('evaluates a service with a projection crossing 80%', () => {
    const cost = evaluateServiceCost({
      service: 'anthropic',
      monthToDateUsd: 90,
      budgetUsd: 200,
      now: new Date('2026-11-15T23:00:00Z'),
      timeZone: PARIS,
      basis: 'cost_report',
    });
    expect(cost).toMatchObject({ projectedUsd: 180, level: 'warning' });
  });

  it('prices Supabase from the plan and the disk over 8 GB', () => {
    expect(supabaseMonthlyUsd(25, 1024 ** 3)).toBe(25);
    expect(supabaseMonthlyUsd(25, 10 * 1024 ** 3)).toBeCloseTo(25.25, 10);
  });
});

describe('plan-priced services', () => {
  const now = new Date('2026-11-15T23:00:00Z');
  it('warn on the quota projection, not on the plan price', () => {
    const ok = evaluatePlanService({
      service: 'phantombuster',
      planUsd: 69,
      usedRatio: 0.2,
      projectedRatio: 0.4,
      now,
      timeZone: PARIS,
      basis: 'x',
    });
    expect(ok).toMatchObject({ level: 'ok', projectedUsd: 69, monthToDateUsd: 34.5 });
    const warn = evaluatePlanService({
      service: 'phantombuster',
      planUsd: 69,
      usedRatio: 0.45,
      projectedRatio: 0.9,
      now,
      timeZone: PARIS,
      basis: 'x',
    });
    expect(warn.level).toBe('warning');
    const over = evaluatePlanService({
      service: 'phantombuster',
      planUsd: 69,
      usedRatio: 1,
      projectedRatio: 2,
      now,
      timeZone: PARIS,
      basis: 'x',
    });
    expect(over).toMatchObject({ level: 'critical', projectedUsd: 138 });
  });
});
