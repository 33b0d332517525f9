/**
 * GDPR Art. 12(3) answer deadlines, counted in calendar months as Regulation (EEC, Euratom)
 * No 1182/71 Art. 3(2)(c) says: a period of N months ends at the end of the day, N months
 * later, bearing the same date as the day of receipt; if that date does not exist in the
 * last month (Jan 31 + 1 month), it ends at the end of that month's last day (Feb 28/29).
 * The day of receipt is the controller's local calendar day (Europe/Paris by default).
 *
 * Deliberately conservative: Art. 3(4) would move a deadline falling on a Saturday, Sunday or
 * public holiday to the next working day; we do not, so meeting our date always meets the law's
 * (and holidays differ per member state).
 */

import { zonedDate, zonedMidnight } from '../zoned-time.ts';

export interface CalendarDate {
  year: number;
  /** 1–12. */
  month: number;
  /** 1–31. */
  day: number;
}

export const ART12_TIMEZONE = 'Europe/Paris';
/** One month to answer; the Art. 12(3) extension adds two more, counted from receipt. */
export const ART12_MONTHS = 1;
export const ART12_EXTENDED_MONTHS = 3;

export interface Art12Deadline {
  /** Local calendar day of receipt, `YYYY-MM-DD`. */
  receivedOn: string;
  /** Last local calendar day to answer, `YYYY-MM-DD`. */
  dueOn: string;
  /** The last instant of `dueOn` in the timezone (the period "ends with the expiry of the last hour"). */
  dueAt: Date;
  extended: boolean;
}

export interface DeadlineState {
  overdue: boolean;
  /** Calendar days from today (local) to the due day: 0 = due today, negative = overdue. */
  daysLeft: number;
}

/** Same date N months later, clamped to the last day of the target month. */
export function addCalendarMonths(date: CalendarDate, months: number): CalendarDate {
  assertCalendarDate(date);
  if (!Number.isInteger(months)) throw new RangeError(`months must be an integer (got ${months})`);
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

/**
 * The Art. 12 deadline of a request received at `receivedAt`. With `extended` (the person was
 * told of the extension and why within the first month), the period is three months from
 * receipt — counted from the receipt date, not chained from the first due date, so Jan 31
 * extends to Apr 30, not Apr 28.
 */
export function art12Deadline(
  receivedAt: Date,
  options: { timeZone?: string; extended?: boolean } = {},
): Art12Deadline {
  if (Number.isNaN(receivedAt.getTime())) throw new RangeError('receivedAt is not a valid date');
  const timeZone = options.timeZone ?? ART12_TIMEZONE;
  const extended = options.extended ?? false;
  const received = localDate(receivedAt, timeZone);
  const due = addCalendarMonths(received, extended ? ART12_EXTENDED_MONTHS : ART12_MONTHS);
  return {
    receivedOn: formatDate(received),
    dueOn: formatDate(due),
    dueAt: endOfLocalDay(due, timeZone),
    extended,
  };
}

export function deadlineState(
  deadline: Pick<Art12Deadline, 'dueOn' | 'dueAt'>,
  now: Date,
  timeZone: string = ART12_TIMEZONE,
): DeadlineState {
  const today = localDate(now, timeZone);
  const due = parseDate(deadline.dueOn);
  const daysLeft = Math.round(toUtcDays(due) - toUtcDays(today));
  return { overdue: now.getTime() > deadline.dueAt.getTime(), daysLeft };
}

/** The calendar day an instant falls on in `timeZone`. */
export function localDate(instant: Date, timeZone: string): CalendarDate {
  return zonedDate(instant, timeZone);
}

/** The last millisecond of `date` in `timeZone` (DST-aware). */
export function endOfLocalDay(date: CalendarDate, timeZone: string): Date {
  const next = addDays(date, 1);
  return new Date(startOfLocalDay(next, timeZone).getTime() - 1);
}

export function startOfLocalDay(date: CalendarDate, timeZone: string): Date {
  return zonedMidnight(date.year, date.month, date.day, timeZone);
}

export function formatDate(date: CalendarDate): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

export function parseDate(text: string): CalendarDate {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) throw new RangeError(`expected YYYY-MM-DD (got ${JSON.stringify(text)})`);
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  assertCalendarDate(date);
  return date;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function addDays(date: CalendarDate, days: number): CalendarDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

function toUtcDays(date: CalendarDate): number {
  return Date.UTC(date.year, date.month - 1, date.day) / 86_400_000;
}

function assertCalendarDate(date: CalendarDate): void {
  const ok =
    Number.isInteger(date.year) &&
    Number.isInteger(date.month) &&
    Number.isInteger(date.day) &&
    date.month >= 1 &&
    date.month <= 12 &&
    date.day >= 1 &&
    date.day <= daysInMonth(date.year, date.month);
  if (!ok) throw new RangeError(`not a calendar date: ${JSON.stringify(date)}`);
}
