import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  anthropicCostUsd,
  anthropicSpendCapReached,
  anthropicUsageByModel,
} from '../../adapters/anthropic/admin.ts';
import { raise } from '../../adapters/alerts/outbox.ts';
import { phantomBusterUsage } from '../../adapters/phantombuster/resources.ts';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { anthropicSdk } from '../../adapters/anthropic/sdk.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { upstashMonthlyBillingUsd } from '../../adapters/upstash/management.ts';
import { parseConfig } from '../../core/config.ts';
import { type AnthropicStandIn, startAnthropicStandIn } from '../../sandbox/anthropic/stand-in.ts';
import {
  type PhantomBusterResourcesStandIn,
  startPhantomBusterResourcesStandIn,
} from '../../sandbox/phantombuster/resources.ts';
import { type SlackStandIn, startSlackStandIn } from '../../sandbox/slack/server.ts';
import {
  startUpstashManagementStandIn,
  type UpstashManagementStandIn,
} from '../../sandbox/upstash-management/stand-in.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { runner as costRunner } from './wiring.ts';
import { type CostDeps, run } from './run.ts';

// Real Postgres + the real alert router; real HTTP to the Anthropic admin, Upstash management
// and PhantomBuster stand-ins and to the Slack stand-in. "Now" is midnight starting Nov 16 in
// Paris: exactly half of November has elapsed, so projections are twice month-to-date.
const NOW = new Date('2026-11-15T23:00:00Z');
const SONNET = 'claude-sonnet-5-5';

let db: TestDatabase;
let pool: pg.Pool;
let anthropic: AnthropicStandIn;
let upstash: UpstashManagementStandIn;
let phantom: PhantomBusterResourcesStandIn;
let slack: SlackStandIn;

beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 4 });
  await migrate(pool);
  anthropic = await startAnthropicStandIn({
    apiKey: 'sk-ant-test',
    adminKey: 'sk-ant-admin-test',
    now: () => NOW,
  });
  upstash = await startUpstashManagementStandIn({
    email: 'ops@example.test',
    apiKey: 'up-key',
    now: () => NOW,
  });
  upstash.databases.set('db-1', {
    monthlyRequests: 2_000_000,
    dailyRequests: [130_000, 140_000],
    storageBytes: 1_000_000,
  });
  phantom = await startPhantomBusterResourcesStandIn({ apiKey: 'pb-key' });
  phantom.resources.monthlyExecutionMinutes = { current: 300, max: 1200 };
  slack = await startSlackStandIn();
});

afterAll(async () => {
  await Promise.all([anthropic?.close(), upstash?.close(), phantom?.close(), slack?.close()]);
  await pool?.end();
  await db?.drop();
});

beforeEach(async () => {
  await pool.query('truncate alert_outbox restart identity cascade');
  anthropic.ledger.entries.length = 0;
  anthropic.spendCap.reached = false;
  for (const s of [anthropic, upstash, phantom]) s.faults.mode = 'none';
  // $3 a day on Sonnet 5.5 (1M input × $2 + 100k output × $10) from Nov 1 to Nov 15.
  for (let day = 1; day <= 15; day += 1) {
    anthropic.ledger.record({
      at: new Date(Date.UTC(2026, 10, day, 9)),
      model: SONNET,
      uncachedInputTokens: 1_000_000,
      outputTokens: 100_000,
    });
  }
  // October traffic must not count.
  anthropic.ledger.record({
    at: new Date('2026-10-31T12:00:00Z'),
    model: SONNET,
    uncachedInputTokens: 50_000_000,
  });
});

function deps(extra: Partial<CostDeps> = {}): CostDeps {
  const t = { timeoutMs: 500 };
  return {
    db: pool,
    raise,
    timeZone: 'Europe/Paris',
    budgets: { anthropic: 200, upstash: 20, phantombuster: 69, supabase: 25 },
    anthropic: {
      costUsd: (from, to) =>
        anthropicCostUsd({ baseUrl: anthropic.url, adminKey: 'sk-ant-admin-test', ...t }, from, to),
      // As costSources does: the SDK loads before the timed reads start.
      load: () => anthropicSdk(),
      spendCapReached: () =>
        anthropicSpendCapReached({ baseUrl: anthropic.url, apiKey: 'sk-ant-test', ...t }),
    },
    upstash: () =>
      upstashMonthlyBillingUsd({
        baseUrl: upstash.url,
        email: 'ops@example.test',
        apiKey: 'up-key',
        databaseId: 'db-1',
        ...t,
      }),
    phantombuster: () => phantomBusterUsage({ baseUrl: phantom.url, apiKey: 'pb-key', ...t }),
    ...extra,
  };
}

const alertIds = async () =>
  (
    await pool.query<{ alert_id: string; dedup_key: string }>(
      'select alert_id, dedup_key from alert_outbox order by id',
    )
  ).rows;

describe('cost collector against the provider stand-ins', () => {
  it('reads every service and stays quiet under budget; a spike then crosses 80% projected', async () => {
    const calm = await run(deps(), NOW);
    expect(calm.status).toBe('ok');
    expect(calm.month).toBe('2026-11');
    const byService = Object.fromEntries(calm.services.map((s) => [s.service, s]));
    expect(byService.anthropic).toMatchObject({
      monthToDateUsd: 45,
      projectedUsd: 90,
      level: 'ok',
    });
    expect(byService.upstash).toMatchObject({ monthToDateUsd: 4, projectedUsd: 8, level: 'ok' });
    expect(byService.phantombuster).toMatchObject({ level: 'ok', quotaUsedRatio: 0.25 });
    expect(byService.supabase?.level).toBe('ok');
    expect(await alertIds()).toEqual([]);

    // A runaway enrichment loop: $60 more today → $105 so far, $210 projected (105%).
    anthropic.ledger.record({
      at: new Date('2026-11-15T20:00:00Z'),
      model: SONNET,
      uncachedInputTokens: 10_000_000,
      outputTokens: 4_000_000,
    });
    const spiked = await run(deps(), NOW);
    expect(spiked.status).toBe('alerting');
    expect(spiked.alertsRaised).toEqual([
      {
        alertId: 'cost-projected-over-budget',
        labels: {
          service: 'anthropic',
          projectedUsd: 210,
          budgetUsd: 200,
          percent: 105,
          month: '2026-11',
        },
      },
    ]);
    expect(await alertIds()).toEqual([
      {
        alert_id: 'cost-projected-over-budget',
        dedup_key: 'cost-projected-over-budget/anthropic:2026-11',
      },
    ]);
  });

  it('reads usage_report: month-to-date tokens by model, in the report next to the cost', async () => {
    anthropic.ledger.record({
      at: new Date('2026-11-10T09:00:00Z'),
      model: 'claude-haiku-4-5',
      uncachedInputTokens: 200_000,
      cacheReadInputTokens: 50_000,
      outputTokens: 20_000,
    });
    const usageByModel = (from: Date, to: Date) =>
      anthropicUsageByModel({ baseUrl: anthropic.url, adminKey: 'sk-ant-admin-test' }, from, to);
    const summary = await run(deps({ anthropic: { ...deps().anthropic!, usageByModel } }), NOW);
    expect(summary.status).toBe('ok');
    // November only: the October 50M-token day is outside month to date.
    expect(summary.anthropicTokens).toEqual([
      {
        model: SONNET,
        inputTokens: 15_000_000,
        cacheWriteTokens: 0,
        cacheReadTokens: 0,
        outputTokens: 1_500_000,
      },
      {
        model: 'claude-haiku-4-5',
        inputTokens: 200_000,
        cacheWriteTokens: 0,
        cacheReadTokens: 50_000,
        outputTokens: 20_000,
      },
    ]);
    const lines = summary.report.split('\n');
    const costLine = lines.findIndex((l) => l.includes('anthropic: $'));
    expect(lines[costLine + 1]).toContain(`${SONNET}: 15,000,000 input`);
    expect(lines[costLine + 1]).toContain('1,500,000 output');
    expect(lines[costLine + 2]).toContain('claude-haiku-4-5: 200,000 input, 50,000 cache read');

    // A usage_report failure leaves the cost and spend-cap reading intact, and says so.
    anthropic.faults.mode = 'malformed';
    const failing = {
      ...deps().anthropic!,
      costUsd: async () => ({ usd: 45 }),
      usageByModel,
    };
    const degraded = await run(deps({ anthropic: failing }), NOW);
    expect(degraded.anthropicTokens).toBeNull();
    expect(degraded.unread).toMatchObject([
      { source: 'anthropic.usage_report', reason: 'malformed' },
    ]);
    expect(degraded.services.map((c) => c.service)).toContain('anthropic');
  });

  it('names what each tenant spent through the enrichment gateway, ids only, in the report and as a metric', async () => {
    await pool.query('truncate enrichment_usage');
    // 12 tenants this month ($12 … $1, 120 … 10 calls); one big October day that must not count.
    const tenant = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    for (let i = 1; i <= 12; i += 1) {
      await pool.query(
        `insert into enrichment_usage (tenant_id, day, model, requests, cost_usd, prices_as_of)
         values ($1, '2026-11-10', $2, $3, $4, '2026-11-01')`,
        [tenant(i), SONNET, (13 - i) * 10, 13 - i],
      );
    }
    await pool.query(
      `insert into enrichment_usage (tenant_id, day, model, requests, cost_usd, prices_as_of)
       values ($1, '2026-10-31', $2, 5000, 500, '2026-10-01')`,
      [tenant(12), SONNET],
    );
    try {
      const summary = await run(deps(), NOW);
      expect(summary.tenantEnrichment?.slice(0, 2)).toEqual([
        { tenantId: tenant(1), requests: 120, usd: 12 },
        { tenantId: tenant(2), requests: 110, usd: 11 },
      ]);
      expect(summary.tenantEnrichment?.find((t) => t.tenantId === tenant(12))).toEqual({
        tenantId: tenant(12),
        requests: 10,
        usd: 1,
      });
      const lines = summary.report.split('\n');
      const head = lines.findIndex((l) => l.includes('per tenant'));
      expect(head).toBeGreaterThan(0);
      expect(lines[head + 1]).toBe(`    tenant ${tenant(1)}: $12.00, 120 calls`);
      expect(lines[head + 10]).toBe(`    tenant ${tenant(10)}: $3.00, 30 calls`);
      // The two smallest are summed: $2 + $1, 20 + 10 calls.
      expect(lines[head + 11]).toBe('    2 more tenants: $3.00, 30 calls');
      const metric = summary.metrics.filter((m) => m.name === 'vigie_cost_tenant_enrichment_usd');
      expect(metric).toHaveLength(12);
      expect(metric[0]).toEqual({
        name: 'vigie_cost_tenant_enrichment_usd',
        value: 12,
        labels: { tenant_id: tenant(1) },
      });
    } finally {
      await pool.query('truncate enrichment_usage');
    }
  });

  it("a month's last evening, when Paris is already in the next month: the UTC month's tenant spend", async () => {
    await pool.query('truncate enrichment_usage');
    const tenant = '00000000-0000-4000-8000-000000000001';
    await pool.query(
      `insert into enrichment_usage (tenant_id, day, model, requests, cost_usd, prices_as_of)
       values ($1, '2026-11-30', $2, 7, 0.7, '2026-11-01')`,
      [tenant, SONNET],
    );
    try {
      // 23:30 UTC on 30 November is 00:30 on 1 December in Paris.
      const summary = await run(deps(), new Date('2026-11-30T23:30:00Z'));
      expect(summary.month).toBe('2026-12');
      expect(summary.tenantEnrichment).toEqual([{ tenantId: tenant, requests: 7, usd: 0.7 }]);
    } finally {
      await pool.query('truncate enrichment_usage');
    }
  });

  it('the spend-cap 429 is a critical alert, made with one request (no retry)', async () => {
    anthropic.spendCap.reached = true;
    const before = anthropic.ledger.entries.length;
    const summary = await run(deps(), NOW);
    expect(summary.spendCapReached).toBe(true);
    expect(summary.alertsRaised.map((a) => a.alertId)).toContain('anthropic-spend-cap-reached');
    expect(anthropic.ledger.entries.length).toBe(before);
  });

  it.each([
    ['server-error', 'anthropic', 'anthropic.cost_report'],
    ['rate-limited', 'upstash', 'upstash.stats'],
    ['malformed', 'phantombuster', 'phantombuster.fetch-resources'],
    ['no-answer', 'anthropic', 'anthropic.cost_report'],
  ] as const)(
    '%s from %s: partial summary, collector-degraded, never all green',
    async (mode, service, source) => {
      const standIn = { anthropic, upstash, phantombuster: phantom }[service];
      standIn.faults.mode = mode;
      const summary = await run(deps(), NOW);
      expect(summary.status).toBe('degraded');
      expect(summary.services.map((s) => s.service)).not.toContain(service);
      expect(summary.unread).toMatchObject([
        { source, reason: mode === 'no-answer' ? 'timeout' : mode },
      ]);
      expect(summary.report).toContain(`could not read ${source}`);
      expect((await alertIds()).map((a) => a.alert_id)).toEqual(['collector-degraded']);
    },
  );

  it('wired from config: posts the daily report to Slack, and names missing settings', async () => {
    const env = {
      DATABASE_URL: db.url,
      ANTHROPIC_BASE_URL: anthropic.url,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      ANTHROPIC_ADMIN_KEY: 'sk-ant-admin-test',
      UPSTASH_API_BASE_URL: upstash.url,
      UPSTASH_API_EMAIL: 'ops@example.test',
      UPSTASH_API_KEY: 'up-key',
      UPSTASH_DATABASE_ID: 'db-1',
      PHANTOMBUSTER_BASE_URL: phantom.url,
      PHANTOMBUSTER_API_KEY: 'pb-key',
      SLACK_WEBHOOK_URL: slack.webhookUrl('COST'),
    };
    const summary = await costRunner(parseConfig({ VIGIE_STAGE: 'local', ...env }), NOW);
    expect(summary.status).toBe('ok');
    expect(slack.messages.at(-1)?.body).toMatchObject({
      text: expect.stringContaining('Daily cost report 2026-11'),
    });
    expect(JSON.stringify(slack.messages.at(-1)?.body)).toContain(
      'anthropic: $45.00 so far, projected $90.00',
    );
    await expect(
      costRunner(
        parseConfig({
          VIGIE_STAGE: 'local',
          DATABASE_URL: db.url,
          ANTHROPIC_ADMIN_KEY: 'sk-ant-admin-x',
        }),
        NOW,
      ),
    ).rejects.toThrow(/ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY/);
  });

  it('reads the providers at once: each waits for the others to have started, and one failing loses none of the rest', async () => {
    // A latch no source passes until every source has been called: read one after the other,
    // the first would wait in vain and fail as "called alone".
    const started = new Set<string>();
    let open!: () => void;
    const allStarted = new Promise<void>((resolve) => (open = resolve));
    const source =
      <T>(name: string, value: () => T) =>
      async (): Promise<T> => {
        started.add(name);
        if (started.size === 4) open();
        await Promise.race([
          allStarted,
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error(`${name} called alone`)), 5_000),
          ),
        ]);
        return value();
      };
    const summary = await run(
      deps({
        anthropic: {
          costUsd: source('anthropic.cost', () => ({ usd: 10 })),
          spendCapReached: source('anthropic.cap', () => false),
        },
        upstash: source('upstash', () => {
          throw new Error('upstash is down');
        }),
        // PhantomBuster counts milliseconds: minutes arrive with fractions.
        phantombuster: source('phantombuster', () => ({
          executionMinutesUsed: 1.2345,
          executionMinutesMax: 100,
        })),
      }),
      NOW,
    );
    expect(summary.unread.map((u) => [u.source, u.message])).toEqual([
      ['upstash.stats', 'upstash is down'],
    ]);
    expect(summary.services.map((s) => s.service)).toEqual([
      'anthropic',
      'phantombuster',
      'supabase',
    ]);
    expect(summary.services.find((s) => s.service === 'phantombuster')?.basis).toBe(
      'plan price; execution time 1/100 min',
    );
    expect(summary.spendCapReached).toBe(false);
  });
});
