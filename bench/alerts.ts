import { createDispatcher } from '../adapters/alerts/dispatcher.ts';
import { raise } from '../adapters/alerts/outbox.ts';
import { migrate } from '../adapters/postgres/migrate.ts';
import { createPool } from '../adapters/postgres/pool.ts';
import { startSlackStandIn } from '../sandbox/slack/server.ts';
import { createTestDatabase } from '../testkit/pg.ts';

/**
 * Alert path figures on the loopback Postgres and the Slack stand-in:
 * - latency from `raise` (committed) to the stand-in receiving the message, with the
 *   dispatcher polling every 200 ms in real time and Slack healthy (target p95 ≤ 2 s; the
 *   1 s group wait is part of it by design);
 * - outbox throughput: raises per second (new groups, and repeats into 50 groups from 8
 *   concurrent writers), and messages dispatched per second with pacing (Slack's 1 msg/s)
 *   and without it (the machinery's own ceiling).
 */
export async function benchAlerts(): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = {};
  const db = await createTestDatabase('vigie_bench');
  const pool = createPool(db.url, { max: 10 });
  const slack = await startSlackStandIn();
  try {
    await migrate(pool);
    const labels = (workflowId: string) => ({
      workflowId,
      failed: 3,
      finished: 10,
      ratePercent: 30,
    });

    // 1. Latency, real time.
    const dispatcher = createDispatcher({ pool, webhookUrl: slack.webhookUrl('BLATENCY') });
    const running = dispatcher.start({ pollMs: 200 });
    const raisedAt = new Map<string, number>();
    const samples = 20;
    for (let i = 0; i < samples; i += 1) {
      const id = `lat-${i}`;
      await raise(pool, { alertId: 'n8n-failure-rate-high', labels: labels(id), at: new Date() });
      raisedAt.set(id, Date.now());
      await new Promise((r) => setTimeout(r, 1_100)); // one per pacing slot: measure latency, not queueing
    }
    const deadline = Date.now() + 10_000;
    while (slack.messages.length < samples && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await running.stop();
    const latencies = slack.messages
      .map((m) => {
        const id = /Workflow (lat-\d+)/.exec(m.body.text ?? '')?.[1] ?? '';
        return m.at - (raisedAt.get(id) ?? Number.NaN);
      })
      .filter((v) => Number.isFinite(v))
      .sort((a, b) => a - b);
    figures['alert latency raise → Slack, samples'] = latencies.length;
    figures['alert latency p50, ms (group wait 1,000 ms included)'] = percentile(latencies, 50);
    figures['alert latency p95, ms (target ≤ 2,000)'] = percentile(latencies, 95);
    figures['alert latency max, ms'] = latencies.at(-1) ?? Number.NaN;
    await pool.query('truncate alert_outbox, alert_channels, alert_dead_letters restart identity');

    // 2. Raise throughput.
    const newGroups = 2_000;
    let started = performance.now();
    for (let i = 0; i < newGroups; i += 1) {
      await raise(pool, {
        alertId: 'n8n-failure-rate-high',
        labels: labels(`new-${i}`),
        at: new Date(0),
      });
    }
    figures['raise, new groups, sequential, alerts/s'] = rate(newGroups, started);
    const repeats = 4_000;
    started = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = w; i < repeats; i += 8) {
          await raise(pool, {
            alertId: 'n8n-failure-rate-high',
            labels: labels(`hot-${i % 50}`),
            at: new Date(0),
          });
        }
      }),
    );
    figures['raise, repeats into 50 groups, 8 writers, alerts/s'] = rate(repeats, started);

    // 3. Dispatch throughput: the 2,050 groups above are all due (raised at the epoch).
    const fast = await startSlackStandIn({ ratePerSecond: 100_000, burst: 100_000 });
    try {
      const unpaced = createDispatcher({
        pool,
        webhookUrl: fast.webhookUrl('BFAST'),
        minIntervalMs: 0,
        maxSendsPerTick: 500,
      });
      started = performance.now();
      await unpaced.tick();
      figures['dispatch without pacing (machinery ceiling), messages/s'] = rate(
        fast.messages.length,
        started,
      );
    } finally {
      await fast.close();
    }
    const paced = createDispatcher({
      pool,
      webhookUrl: slack.webhookUrl('BPACED'),
      maxSendsPerTick: 10,
    });
    started = performance.now();
    const before = slack.messages.length;
    await paced.tick();
    figures['dispatch with Slack pacing, messages/s (by design ≤ 1)'] = rate(
      slack.messages.length - before,
      started,
    );
  } finally {
    await slack.close();
    await pool.end();
    await db.drop();
  }
  return figures;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function rate(count: number, startedMs: number): number {
  return count / ((performance.now() - startedMs) / 1000);
}
