import { describe, expect, it } from 'vitest';
import { collectors } from './catalog/collectors.ts';
import { heartbeats, httpMonitors } from './catalog/monitors.ts';
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

  it('schedules avoid the 02:00–03:00 Paris DST window', () => {
    for (const c of collectors) {
      const hour = c.schedule.slice(5, -1).split(' ')[1];
      expect(hour === '2' || hour === '02').toBe(false);
      expect(c.timezone).toBe('Europe/Paris');
    }
  });
});
