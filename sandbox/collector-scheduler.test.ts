import { describe, expect, it } from 'vitest';
import { createCollectorScheduler } from './collector-scheduler.ts';

describe('local collector scheduler', () => {
  it('plays one compressed week of schedules in time order, surviving a failing run', async () => {
    const calls: Array<[string, string]> = [];
    const record = (name: string) => async (at: Date) => {
      calls.push([name, at.toISOString()]);
      if (name === 'cost') throw new Error('provider down');
      return { ok: true };
    };
    const scheduler = createCollectorScheduler({
      start: new Date('2026-11-23T00:00:00Z'),
      runners: {
        'n8n-failure-rate': record('n8n-failure-rate'),
        cost: record('cost'),
        deliverability: record('deliverability'),
        'weekly-summary': record('weekly-summary'),
      },
    });
    const runs = await scheduler.advanceTo(new Date('2026-11-29T23:59:59Z'));
    const count = (name: string) => calls.filter(([n]) => n === name).length;
    expect(count('n8n-failure-rate')).toBe(7 * 24 * 4);
    expect(count('deliverability')).toBe(7 * 24);
    expect(count('cost')).toBe(7);
    expect(count('weekly-summary')).toBe(1);
    expect(calls.find(([n]) => n === 'weekly-summary')?.[1]).toBe('2026-11-23T07:00:00.000Z');
    expect(runs.filter((r) => r.error).length).toBe(7);
    // Each collector's runs in time order (collectors run side by side, each on its chain).
    for (const name of ['n8n-failure-rate', 'cost', 'deliverability']) {
      const times = calls.filter(([n]) => n === name).map(([, t]) => t);
      expect([...times].sort()).toEqual(times);
    }
    expect(runs.map((r) => r.at.toISOString())).toEqual(runs.map((r) => r.at.toISOString()).sort());
    expect(scheduler.next().cost?.toISOString()).toBe('2026-11-30T06:30:00.000Z');
  });

  it("runs each collector on its own chain: one collector's long run does not hold the others", async () => {
    // The defect this guards: runs used to be one sequential queue, so a slow collector (the
    // audit chain's verification on a full seed) held every other collector, and detection.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const calls: string[] = [];
    const scheduler = createCollectorScheduler({
      start: new Date('2026-11-23T00:00:00Z'),
      runners: {
        'audit-anchor': async (at) => {
          calls.push(`audit-anchor ${at.toISOString()}`);
          await held;
        },
        'db-health': async (at) => void calls.push(`db-health ${at.toISOString()}`),
      },
    });
    // 00:20 is audit-anchor's slot; db-health runs every 5 minutes.
    void scheduler.advanceTo(new Date('2026-11-23T00:20:00Z'));
    await new Promise((r) => setImmediate(r));
    expect(scheduler.running()).toHaveProperty('audit-anchor');
    const later = await scheduler.advanceTo(new Date('2026-11-23T00:40:00Z'));
    // db-health caught up to 00:40 while audit-anchor's first run is still held.
    expect(later.map((r) => `${r.collector} ${r.at.toISOString()}`)).toEqual([
      'db-health 2026-11-23T00:25:00.000Z',
      'db-health 2026-11-23T00:30:00.000Z',
      'db-health 2026-11-23T00:35:00.000Z',
      'db-health 2026-11-23T00:40:00.000Z',
    ]);
    expect(calls.filter((c) => c.startsWith('audit-anchor'))).toEqual([
      'audit-anchor 2026-11-23T00:20:00.000Z',
    ]);
    release();
    await scheduler.idle();
    expect(scheduler.running()).toEqual({});
  });

  it('skips the slots a collector missed beyond the allowed lag, and says how many', async () => {
    const ran: string[] = [];
    const scheduler = createCollectorScheduler({
      start: new Date('2026-11-23T00:00:00Z'),
      runners: { 'db-health': async (at) => void ran.push(at.toISOString()) },
      maxLagMs: 10 * 60_000,
    });
    const runs = await scheduler.advanceTo(new Date('2026-11-23T01:00:00Z'));
    // 00:00 is an hour behind: skip to the last slot within 10 minutes of now, then catch up.
    expect(ran).toEqual([
      '2026-11-23T00:50:00.000Z',
      '2026-11-23T00:55:00.000Z',
      '2026-11-23T01:00:00.000Z',
    ]);
    expect(runs[0]?.skipped).toBe(10);
    expect(runs[1]?.skipped).toBeUndefined();
  });
});
