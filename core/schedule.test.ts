import { describe, expect, it } from 'vitest';
import { collectors } from './catalog/collectors.ts';
import { schedulePeriodSeconds } from './catalog/monitors.ts';
import { nextRunAfter } from './schedule.ts';

const PARIS = 'Europe/Paris';

describe('nextRunAfter', () => {
  it('runs the weekly summary on Monday 08:00 Paris time, winter and summer', () => {
    expect(
      nextRunAfter('cron(0 8 ? * MON *)', new Date('2026-11-26T10:00:00Z'), PARIS).toISOString(),
    ).toBe('2026-11-30T07:00:00.000Z');
    expect(
      nextRunAfter('cron(0 8 ? * MON *)', new Date('2026-06-02T00:00:00Z'), PARIS).toISOString(),
    ).toBe('2026-06-08T06:00:00.000Z');
  });

  it('handles every-N-minutes, hourly and daily forms', () => {
    expect(
      nextRunAfter('cron(0/15 * * * ? *)', new Date('2026-11-26T10:07:30Z'), PARIS).toISOString(),
    ).toBe('2026-11-26T10:15:00.000Z');
    expect(
      nextRunAfter('cron(5 * * * ? *)', new Date('2026-11-26T10:05:00Z'), PARIS).toISOString(),
    ).toBe('2026-11-26T11:05:00.000Z');
    expect(
      nextRunAfter('cron(30 7 * * ? *)', new Date('2026-11-26T10:00:00Z'), PARIS).toISOString(),
    ).toBe('2026-11-27T06:30:00.000Z');
    expect(
      nextRunAfter(
        'cron(0 7 ? * MON-FRI *)',
        new Date('2026-11-27T07:00:00Z'),
        PARIS,
      ).toISOString(),
    ).toBe('2026-11-30T06:00:00.000Z');
  });

  it('agrees with the heartbeat periods for every catalog collector', () => {
    for (const c of collectors) {
      const first = nextRunAfter(c.schedule, new Date('2026-11-02T12:00:00Z'), PARIS);
      const second = nextRunAfter(c.schedule, first, PARIS);
      expect((second.getTime() - first.getTime()) / 1000).toBe(schedulePeriodSeconds(c.schedule));
    }
  });
});
