import { describe, expect, it } from 'vitest';
import { collectors } from './catalog/collectors.ts';
import { heartbeats, httpMonitors, schedulePeriodSeconds } from './catalog/monitors.ts';
import { nextRunAfter } from './schedule.ts';
import {
  heartbeatWorstCaseSeconds,
  monitorTimingProblems,
  UPTIME_ALERT_TARGET_SECONDS,
  worstCaseSecondsToAlert,
} from './uptime.ts';

describe('worst-case time from outage to alert', () => {
  it('is check frequency + confirmation period + request timeout', () => {
    expect(
      worstCaseSecondsToAlert({
        checkFrequencySeconds: 300,
        confirmationPeriodSeconds: 120,
        requestTimeoutSeconds: 30,
      }),
    ).toBe(450);
  });

  it('shows the brief’s "every 5 minutes" cannot alert within 2 minutes', () => {
    const brief = {
      checkFrequencySeconds: 300,
      confirmationPeriodSeconds: 120,
      requestTimeoutSeconds: 2,
    };
    expect(worstCaseSecondsToAlert(brief)).toBeGreaterThan(UPTIME_ALERT_TARGET_SECONDS);
  });

  it.each(httpMonitors.map((m) => [m.id, m] as const))(
    'catalog monitor %s alerts within 120 s and is valid for Better Stack',
    (_id, monitor) => {
      expect(worstCaseSecondsToAlert(monitor)).toBeLessThanOrEqual(UPTIME_ALERT_TARGET_SECONDS);
      expect(monitorTimingProblems(monitor)).toEqual([]);
    },
  );

  it('covers the HTTP app readiness, the n8n webhook host and the frontend', () => {
    expect(httpMonitors.map((m) => m.path)).toContain('/readyz');
    expect(new Set(httpMonitors.map((m) => m.baseUrlSetting)).size).toBe(3);
  });

  it('flags timings Better Stack would refuse', () => {
    expect(
      monitorTimingProblems({
        checkFrequencySeconds: 10,
        confirmationPeriodSeconds: 0,
        requestTimeoutSeconds: 90,
      }),
    ).toHaveLength(2);
  });
});

describe('heartbeats', () => {
  it('has exactly one per collector, with ~20% grace', () => {
    expect(heartbeats.map((h) => h.collector).sort()).toEqual(collectors.map((c) => c.name).sort());
    for (const h of heartbeats) {
      expect(h.periodSeconds).toBeGreaterThanOrEqual(30);
      expect(h.graceSeconds / h.periodSeconds).toBeCloseTo(0.2, 2);
      expect(heartbeatWorstCaseSeconds(h)).toBe(h.periodSeconds + h.graceSeconds);
    }
  });

  it('daily and weekly schedules avoid the 02:00–03:00 Paris DST window (interval jobs may not)', () => {
    const parisHour = (d: Date) =>
      Number(
        new Intl.DateTimeFormat('en-GB', {
          timeZone: 'Europe/Paris',
          hour: '2-digit',
          hourCycle: 'h23',
        }).format(d),
      );
    // Both 2026 DST changes (29 March, 25 October) and a week either side.
    const spans = [
      ['2026-03-22T00:00:00Z', '2026-04-05T00:00:00Z'],
      ['2026-10-18T00:00:00Z', '2026-11-01T00:00:00Z'],
    ] as const;
    let checked = 0;
    for (const c of collectors) {
      expect(c.timezone).toBe('Europe/Paris');
      const period = schedulePeriodSeconds(c.schedule);
      if (period < 86_400) continue; // the claim in collectors.ts is about daily/weekly jobs
      checked += 1;
      for (const [from, to] of spans) {
        const runs: Date[] = [];
        for (let t = nextRunAfter(c.schedule, new Date(from), c.timezone); t < new Date(to);) {
          runs.push(t);
          t = nextRunAfter(c.schedule, t, c.timezone);
        }
        for (const run of runs)
          expect(parisHour(run), `${c.name} ${run.toISOString()}`).not.toBe(2);
        // Not skipped or repeated by the DST jump: one run per period.
        expect(runs.length, c.name).toBe(Math.round((14 * 86_400) / period));
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });
});
