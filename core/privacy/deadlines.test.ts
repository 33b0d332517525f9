import { describe, expect, it } from 'vitest';
import {
  addCalendarMonths,
  art12Deadline,
  deadlineState,
  endOfLocalDay,
  localDate,
  parseDate,
} from './deadlines.ts';

describe('addCalendarMonths (Reg. 1182/71 Art. 3(2)(c))', () => {
  const cases: Array<[string, number, string]> = [
    ['2026-01-15', 1, '2026-02-15'],
    ['2026-01-31', 1, '2026-02-28'],
    ['2028-01-31', 1, '2028-02-29'], // leap year
    ['2026-01-29', 1, '2026-02-28'],
    ['2026-03-31', 1, '2026-04-30'],
    ['2026-12-31', 1, '2027-01-31'], // year boundary
    ['2026-12-15', 3, '2027-03-15'],
    ['2026-01-31', 3, '2026-04-30'],
    ['2026-08-31', 1, '2026-09-30'],
    ['2026-02-28', 1, '2026-03-28'], // not "end of month → end of month"
  ];
  for (const [from, months, expected] of cases) {
    it(`${from} + ${months} month(s) → ${expected}`, () => {
      const d = addCalendarMonths(parseDate(from), months);
      const text = `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
      expect(text).toBe(expected);
    });
  }

  it('refuses a date that does not exist', () => {
    expect(() => addCalendarMonths({ year: 2026, month: 2, day: 30 }, 1)).toThrow(RangeError);
    expect(() => parseDate('2026-13-01')).toThrow(RangeError);
  });
});

describe('art12Deadline', () => {
  it('counts from the Paris calendar day of receipt, not the UTC one', () => {
    // 23:30 UTC on Jan 30 is already Jan 31 in Paris (UTC+1).
    const d = art12Deadline(new Date('2026-01-30T23:30:00Z'));
    expect(d.receivedOn).toBe('2026-01-31');
    expect(d.dueOn).toBe('2026-02-28');
    // Ends with the last hour of Feb 28 in Paris: 22:59:59.999 UTC.
    expect(d.dueAt.toISOString()).toBe('2026-02-28T22:59:59.999Z');
  });

  it('ends at the end of the local day across a DST change (summer time, UTC+2)', () => {
    const d = art12Deadline(new Date('2026-03-10T12:00:00Z'));
    expect(d.dueOn).toBe('2026-04-10');
    expect(d.dueAt.toISOString()).toBe('2026-04-10T21:59:59.999Z');
  });

  it('extends to three months counted from receipt (Jan 31 → Apr 30, not Apr 28)', () => {
    const d = art12Deadline(new Date('2026-01-31T10:00:00Z'), { extended: true });
    expect(d.extended).toBe(true);
    expect(d.dueOn).toBe('2026-04-30');
  });

  it('uses another timezone when asked', () => {
    const d = art12Deadline(new Date('2026-01-30T23:30:00Z'), { timeZone: 'UTC' });
    expect(d.receivedOn).toBe('2026-01-30');
    expect(d.dueOn).toBe('2026-02-28');
    expect(d.dueAt.toISOString()).toBe('2026-02-28T23:59:59.999Z');
  });

  it('refuses an invalid date', () => {
    expect(() => art12Deadline(new Date('nope'))).toThrow(RangeError);
  });
});

describe('deadlineState', () => {
  const deadline = art12Deadline(new Date('2026-01-15T09:00:00Z'));

  it('is not overdue on the last day itself', () => {
    const s = deadlineState(deadline, new Date('2026-02-15T21:00:00Z'));
    expect(s).toEqual({ overdue: false, daysLeft: 0 });
  });

  it('is overdue right after the last local hour', () => {
    const s = deadlineState(deadline, new Date('2026-02-15T23:00:00Z'));
    expect(s.overdue).toBe(true);
    expect(s.daysLeft).toBe(-1);
  });

  it('counts calendar days left', () => {
    expect(deadlineState(deadline, new Date('2026-02-01T10:00:00Z')).daysLeft).toBe(14);
  });
});

describe('local day helpers', () => {
  it('finds the Paris day of an instant and its last millisecond', () => {
    expect(localDate(new Date('2026-07-01T22:30:00Z'), 'Europe/Paris')).toEqual({
      year: 2026,
      month: 7,
      day: 2,
    });
    expect(endOfLocalDay({ year: 2026, month: 10, day: 25 }, 'Europe/Paris').toISOString()).toBe(
      '2026-10-25T22:59:59.999Z', // the day winter time starts: 25 hours long
    );
  });
});
