import { describe, expect, it } from 'vitest';
import { capacityRow, demandFor, recommend, TARGET_HEADROOM, upgradePoints } from './model.ts';
import type { UsageProfile } from './profile.ts';
import { N8N_PLANS } from './providers.ts';

const profile: UsageProfile = {
  prospectsPerDay: 25,
  enrichmentsPerDay: 20,
  emailsPerDay: 40,
  scrapesPerDay: 1,
  basis: { customers: 1, prospectDays: 1, emailDays: 1, seed: 1 },
};

describe('capacity model', () => {
  it("Little's law at the busiest hour: executions in flight = rate × time", () => {
    // 100 customers × 1 scrape a day over 9 h, ×2 at peak: 200/9/3600 per s × 10 s.
    const d = demandFor(100, profile, { scrapeExecutionSeconds: 10 });
    expect(d.scrapeConcurrencyAtPeak).toBeCloseTo((200 / 9 / 3600) * 10, 6);
    expect(d.scrapesPerMonth).toBe(3_000);
    // Per enrichment: the cache's read and write, plus the shared limiter's 2.35 (measured).
    expect(d.upstashCommandsPerMonth).toBeCloseTo((100 * 40 * 6 + 100 * 20 * (2 + 2.35)) * 30, 6);
  });

  it('recommends the cheapest plan that keeps the target headroom, and names the binding limit', () => {
    const lines = recommend(demandFor(200, profile));
    const n8n = lines.find((l) => l.provider === 'n8n')!;
    // 6,000 executions a month: Starter's 2,500 is not enough, Pro's 10,000 is.
    expect(n8n.plan).toBe(N8N_PLANS.pro.name);
    expect(n8n.headroom).toBeGreaterThanOrEqual(TARGET_HEADROOM);
    const row = capacityRow(200, profile);
    expect(Math.min(...row.lines.map((l) => l.headroom))).toBe(row.binding.headroom);
    expect(row.monthlyUsd).toBeCloseTo(
      row.lines.reduce((s, l) => s + l.monthlyUsd, 0),
      6,
    );
  });

  it('upgrade points appear where the cheaper plan runs out', () => {
    const points = upgradePoints(profile, {}, [10, 50, 100, 200]);
    expect(points).toContainEqual({
      provider: 'n8n',
      from: 'Starter',
      to: 'Pro (10k)',
      atCustomers: 100,
    });
  });
});
