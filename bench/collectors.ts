import { anthropicCostUsd, anthropicSpendCapReached } from '../adapters/anthropic/admin.ts';
import { createDispatcher } from '../adapters/alerts/dispatcher.ts';
import { createSmtpTransport } from '../adapters/alerts/email.ts';
import { openSince, raise } from '../adapters/alerts/outbox.ts';
import { createBetterStackClient } from '../adapters/betterstack/client.ts';
import { createTxtLookup } from '../adapters/dns/txt.ts';
import { createN8nClient } from '../adapters/n8n/client.ts';
import { migrate } from '../adapters/postgres/migrate.ts';
import { createPool } from '../adapters/postgres/pool.ts';
import { seed } from '../adapters/postgres/seed.ts';
import { httpMonitors } from '../core/catalog/monitors.ts';
import { run as runCost } from '../collectors/cost/run.ts';
import { run as runDeliverability } from '../collectors/deliverability/run.ts';
import { run as runN8n } from '../collectors/n8n-failure-rate/run.ts';
import { run as runWeekly } from '../collectors/weekly-summary/run.ts';
import { startAnthropicStandIn } from '../sandbox/anthropic/stand-in.ts';
import { startBetterStackStandIn } from '../sandbox/betterstack/stand-in.ts';
import { startDnsStandIn } from '../sandbox/dns/stand-in.ts';
import { startN8nStandIn } from '../sandbox/n8n/stand-in.ts';
import { startSlackStandIn } from '../sandbox/slack/server.ts';
import { startSmtpStandIn } from '../sandbox/smtp/server.ts';
import { createTestDatabase } from '../testkit/pg.ts';

/**
 * Each collector's tick on seeded data: 50 customers (× 2,000 prospects as `npm start` seeds,
 * or `BENCH_COLLECTORS_PROSPECTS` to shorten the run; the seed's email events,
 * 20 n8n executions per customer in the hour, a month of Anthropic traffic) and 10× that, all
 * against the local stand-ins and a fresh database. Then the time from an injected n8n failure
 * burst to the Slack message (collector tick + dispatcher, default group wait 1 s).
 * Target: every tick well under the Lambda timeout (60 s) at 10×.
 */
const PROSPECTS_PER_CUSTOMER = Number(process.env.BENCH_COLLECTORS_PROSPECTS ?? 2000);

export async function benchCollectors(): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = {};
  for (const scale of [1, 10]) {
    Object.assign(figures, await atScale(scale));
  }
  figures['n8n failure burst → Slack message (ms)'] = await burstToSlack();
  return figures;
}

async function atScale(scale: number): Promise<Record<string, number>> {
  const customers = 50 * scale;
  const now = new Date();
  const db = await createTestDatabase('vigie_bench');
  const pool = createPool(db.url, { max: 4 });
  const n8n = await startN8nStandIn({ apiKey: 'k', now: () => now });
  const dns = await startDnsStandIn();
  const anthropic = await startAnthropicStandIn({
    apiKey: 'sk-ant-k',
    adminKey: 'sk-ant-admin-k',
    now: () => now,
  });
  const bs = await startBetterStackStandIn({ token: 't', now: () => now });
  const smtp = await startSmtpStandIn();
  const mail = createSmtpTransport(smtp.url);
  try {
    await migrate(pool);
    await seed(pool, { customers, prospectsPerCustomer: PROSPECTS_PER_CUSTOMER, seed: 7, now });
    const domains = await pool.query<{ domain: string }>(
      'select domain from public.sending_domains',
    );
    for (const { domain } of domains.rows) {
      dns.setTxt(domain, ['v=spf1 include:amazonses.com ~all']);
      dns.setTxt(`_dmarc.${domain}`, ['v=DMARC1; p=none']);
      dns.setTxt(`vigie._domainkey.${domain}`, [`v=DKIM1; k=rsa; p=${'A'.repeat(392)}`]);
    }
    for (let i = 0; i < customers * 20; i += 1) {
      n8n.addExecution({
        workflowId: `wf-${i % 5}`,
        status: i % 25 === 0 ? 'error' : 'success',
        startedAt: new Date(now.getTime() - ((i * 3_000) % 3_500_000)).toISOString(),
      });
    }
    for (let h = 0; h < 24 * 25; h += 1) {
      anthropic.ledger.record({
        at: new Date(now.getTime() - h * 3_600_000),
        model: 'claude-sonnet-5-5',
        uncachedInputTokens: 3_000 * customers,
        outputTokens: 500 * customers,
      });
    }
    const bsClient = createBetterStackClient({ baseUrl: bs.url, token: 't' });
    for (const m of httpMonitors) await bsClient.createMonitor(m, `http://127.0.0.1:9${m.path}`);
    const n8nClient = createN8nClient({ baseUrl: n8n.url, apiKey: 'k' });
    const cost = {
      budgets: { anthropic: 200, upstash: 20, phantombuster: 69, supabase: 25 },
      anthropic: {
        costUsd: (from: Date, to: Date) =>
          anthropicCostUsd({ baseUrl: anthropic.url, adminKey: 'sk-ant-admin-k' }, from, to),
        spendCapReached: () =>
          anthropicSpendCapReached({ baseUrl: anthropic.url, apiKey: 'sk-ant-k' }),
      },
    };
    const time = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return Math.round(performance.now() - t);
    };
    const label = `${customers} customers × ${PROSPECTS_PER_CUSTOMER} prospects`;
    return {
      [`${label}: n8n-failure-rate (ms)`]: await time(() =>
        runN8n({ db: pool, raise, openSince, n8n: n8nClient }, now),
      ),
      [`${label}: cost (ms)`]: await time(() =>
        runCost({ db: pool, raise, timeZone: 'Europe/Paris', ...cost }, now),
      ),
      [`${label}: deliverability (ms)`]: await time(() =>
        runDeliverability(
          {
            db: pool,
            raise,
            lookupTxt: createTxtLookup({ server: dns.address }),
            dkimSelectors: ['vigie'],
          },
          now,
        ),
      ),
      [`${label}: weekly-summary (ms)`]: await time(() =>
        runWeekly(
          {
            db: pool,
            raise,
            timeZone: 'Europe/Paris',
            from: 'vigie@example.test',
            to: 'founder@example.test',
            sendMail: async (m) => {
              await mail.sendMail(m);
            },
            betterstack: bsClient,
            n8n: n8nClient,
            cost,
          },
          now,
        ),
      ),
      [`${label}: sending domains`]: domains.rowCount ?? 0,
    };
  } finally {
    mail.close();
    await Promise.all([n8n.close(), dns.close(), anthropic.close(), bs.close(), smtp.close()]);
    await pool.end();
    await db.drop();
  }
}

async function burstToSlack(): Promise<number> {
  const db = await createTestDatabase('vigie_bench');
  const pool = createPool(db.url, { max: 4 });
  const n8n = await startN8nStandIn({ apiKey: 'k' });
  const slack = await startSlackStandIn();
  try {
    await migrate(pool);
    for (let i = 0; i < 200; i += 1)
      n8n.addExecution({ workflowId: 'wf-enrich', status: 'success' });
    const dispatcher = createDispatcher({ pool, webhookUrl: slack.webhookUrl('BENCH') });
    const started = performance.now();
    for (let i = 0; i < 40; i += 1) n8n.addExecution({ workflowId: 'wf-enrich', status: 'error' });
    await runN8n(
      { db: pool, raise, openSince, n8n: createN8nClient({ baseUrl: n8n.url, apiKey: 'k' }) },
      new Date(),
    );
    while (slack.messages.length === 0 && performance.now() - started < 30_000) {
      await dispatcher.tick();
      if (slack.messages.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    return Math.round(performance.now() - started);
  } finally {
    await Promise.all([n8n.close(), slack.close()]);
    await pool.end();
    await db.drop();
  }
}
