import { describe, expect, it } from 'vitest';
import { collectors } from './catalog/collectors.ts';
import { schedulePeriodSeconds } from './catalog/monitors.ts';
import { nextRunAfter, parseSchedule, parseSchedules, ScheduleError } from './schedule.ts';

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

/** Next run in UTC, as ISO text. */
const next = (schedule: string, after: string, timeZone = 'UTC') =>
  nextRunAfter(schedule, new Date(after), timeZone).toISOString();

describe('EventBridge semantics (docs/providers/eventbridge-cron.md)', () => {
  it('reads numeric day-of-week as 1 = Sunday … 7 = Saturday: 2 is Monday', () => {
    // 2026-11-26 is a Thursday; the next Monday is the 30th.
    expect(next('cron(0 8 ? * 2 *)', '2026-11-26T10:00:00Z')).toBe('2026-11-30T08:00:00.000Z');
    expect(next('cron(0 8 ? * 1 *)', '2026-11-26T10:00:00Z')).toBe('2026-11-29T08:00:00.000Z');
    expect(next('cron(0 8 ? * 7 *)', '2026-11-26T10:00:00Z')).toBe('2026-11-28T08:00:00.000Z');
  });

  it.each([
    // The examples of the EventBridge cron reference, in UTC.
    ['cron(0 10 * * ? *)', '2026-11-30T10:00:00Z', '2026-12-01T10:00:00.000Z'],
    ['cron(15 12 * * ? *)', '2026-11-30T10:00:00Z', '2026-11-30T12:15:00.000Z'],
    // Friday 18:00 → Monday 18:00.
    ['cron(0 18 ? * MON-FRI *)', '2026-11-27T18:00:00Z', '2026-11-30T18:00:00.000Z'],
    ['cron(0 8 1 * ? *)', '2026-11-02T00:00:00Z', '2026-12-01T08:00:00.000Z'],
    ['cron(0/15 * * * ? *)', '2026-11-30T10:07:00Z', '2026-11-30T10:15:00.000Z'],
    // Friday 23:50 → Monday 00:00.
    ['cron(0/10 * ? * MON-FRI *)', '2026-11-27T23:50:00Z', '2026-11-30T00:00:00.000Z'],
    // Monday 17:55 is the last of the day → Tuesday 08:00.
    ['cron(0/5 8-17 ? * MON-FRI *)', '2026-11-30T17:55:00Z', '2026-12-01T08:00:00.000Z'],
    // The wildcard descriptions: 1/10 in minutes → 1, 11, 21, …
    ['cron(1/10 * * * ? *)', '2026-11-30T10:01:00Z', '2026-11-30T10:11:00.000Z'],
    // 3#2: the second Tuesday (December 2026 starts on a Tuesday).
    ['cron(0 0 ? * 3#2 *)', '2026-12-01T00:00:00Z', '2026-12-08T00:00:00.000Z'],
    // 3W: the weekday nearest the 3rd (3 January 2027 is a Sunday → Monday the 4th).
    ['cron(0 0 3W * ? *)', '2026-12-31T00:00:00Z', '2027-01-04T00:00:00.000Z'],
    // L in day-of-month: the last day (February 2027 has 28).
    ['cron(0 0 L * ? *)', '2027-02-01T00:00:00Z', '2027-02-28T00:00:00.000Z'],
    // L in day-of-week: the last day of the week, Saturday; 6L: the month's last Friday.
    ['cron(0 0 ? * L *)', '2026-12-01T00:00:00Z', '2026-12-05T00:00:00.000Z'],
    ['cron(0 0 ? * 6L *)', '2026-12-01T00:00:00Z', '2026-12-25T00:00:00.000Z'],
    // A year field.
    ['cron(0 0 1 1 ? 2027)', '2026-03-28T00:00:00Z', '2027-01-01T00:00:00.000Z'],
  ])('%s after %s → %s', (schedule, after, expected) => {
    expect(next(schedule, after)).toBe(expected);
  });

  it.each([
    ['cron(0 8 * * *)', /6 fields/],
    ['rate(5 minutes)', /expected cron/],
    ['cron(0 8 * * MON *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 8 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(60 8 * * ? *)', /minutes "60"/],
    ['cron(0 24 * * ? *)', /hours "24"/],
    ['cron(0 8 32 * ? *)', /day-of-month "32"/],
    ['cron(0 8 * 13 ? *)', /month "13"/],
    ['cron(0 8 * FOO ? *)', /month "FOO"/],
    ['cron(0 8 ? * 0 *)', /day-of-week "0"/],
    ['cron(0 8 ? * 8 *)', /day-of-week "8"/],
    ['cron(0 8 ? * MON/2 *)', /day-of-week does not take "\/"/],
    // The reference's own invalid example: one # expression only.
    ['cron(0 8 ? * 3#1,6#3 *)', /"#" takes one day/],
    ['cron(0 8 * * ? 1969)', /year "1969"/],
    ['cron(0 8 * * ? 2200)', /year "2200"/],
    ['cron(x 8 * * ? *)', /minutes "x"/],
    ['cron(0/0 8 * * ? *)', /step "0"/],
    ['cron(0 8 LW * ? *)', /day-of-month/],
    ['cron(0 17-9 * * ? *)', /runs backwards/],
  ])('refuses %s', (schedule, reason) => {
    expect(() => parseSchedule(schedule, 'UTC')).toThrow(ScheduleError);
    expect(() => parseSchedule(schedule, 'UTC')).toThrow(reason);
  });

  it('refuses an unknown time zone', () => {
    expect(() => parseSchedule('cron(0 8 * * ? *)', 'Europe/Nowhere')).toThrow(/time zone/);
  });

  it('skips a time the spring DST jump removes, and fires a repeated time once', () => {
    // Paris, 28 March 2027: 02:00 → 03:00. No 02:30 that day.
    expect(next('cron(30 2 * * ? *)', '2027-03-27T12:00:00Z', PARIS)).toBe(
      '2027-03-29T00:30:00.000Z',
    );
    // Interval jobs skip the missing half hours (01:30 CET is followed by 03:00 CEST).
    expect(next('cron(0/30 * * * ? *)', '2027-03-28T00:30:00Z', PARIS)).toBe(
      '2027-03-28T01:00:00.000Z',
    );
    // Paris, 25 October 2026: 03:00 → 02:00. 02:30 happens twice; it fires at the first.
    expect(next('cron(30 2 * * ? *)', '2026-10-24T12:00:00Z', PARIS)).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    expect(next('cron(30 2 * * ? *)', '2026-10-25T00:30:00Z', PARIS)).toBe(
      '2026-10-26T01:30:00.000Z',
    );
    // Every 30 min: 02:00 and 02:30 CEST ran; their CET repeats do not; 03:00 CET does.
    expect(next('cron(0/30 * * * ? *)', '2026-10-25T00:30:00Z', PARIS)).toBe(
      '2026-10-25T02:00:00.000Z',
    );
  });

  it('says so when a schedule has no run left', () => {
    expect(() => next('cron(0 0 1 1 ? 2025)', '2026-03-28T00:00:00Z')).toThrow(/never fires/);
  });

  it('names the catalog entry whose schedule is refused', () => {
    expect(() =>
      parseSchedules([
        { name: 'fine', schedule: 'cron(0 8 * * ? *)', timezone: PARIS },
        { name: 'broken', schedule: 'cron(0 8 * * MON *)', timezone: PARIS },
      ]),
    ).toThrow(/collector broken/);
  });
});
