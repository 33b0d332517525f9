/**
 * Calendar arithmetic in an IANA timezone with `Intl` only (no I/O, no dependency): budgets
 * are per calendar month in the schedule timezone, not in UTC.
 */

const formats = new Map<string, Intl.DateTimeFormat>();

/** Offset of `timeZone` from UTC at `instant`, in milliseconds (Paris in winter: +3 600 000). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  // Building a DateTimeFormat costs far more than using one: keep one per zone.
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** Year and month (1–12) and day of `instant` as seen in `timeZone`. */
export function zonedDate(
  instant: Date,
  timeZone: string,
): { year: number; month: number; day: number } {
  const local = new Date(instant.getTime() + zoneOffsetMs(instant, timeZone));
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate() };
}

/** The instant local midnight starts on `year-month-day` in `timeZone`. */
export function zonedMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - zoneOffsetMs(new Date(guess), timeZone);
  // The offset at the true instant may differ from the guess's across a DST change.
  return new Date(guess - zoneOffsetMs(new Date(first), timeZone));
}

/** Start and end instants of the calendar month containing `now` in `timeZone`. */
export function monthBounds(now: Date, timeZone: string): { start: Date; end: Date } {
  const { year, month } = zonedDate(now, timeZone);
  const start = zonedMidnight(year, month, 1, timeZone);
  const end =
    month === 12
      ? zonedMidnight(year + 1, 1, 1, timeZone)
      : zonedMidnight(year, month + 1, 1, timeZone);
  return { start, end };
}
