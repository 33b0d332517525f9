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
    const times = calls.map(([, t]) => t);
    expect([...times].sort()).toEqual(times);
    expect(scheduler.next().cost?.toISOString()).toBe('2026-11-30T06:30:00.000Z');
  });
});
