import { Cron } from 'croner';
import { zoneOffsetMs } from './zoned-time.ts';

/**
 * EventBridge Scheduler `cron(minutes hours day-of-month month day-of-week year)` expressions,
 * checked against EventBridge's own rules (docs/providers/eventbridge-cron.md) and evaluated
 * with `croner` in the schedule's time zone. Parsed once: the catalog parses every schedule
 * when it loads, so a schedule EventBridge would refuse stops `vigie` at start, not a run later.
 *
 * EventBridge's differences from Unix cron, all handled here:
 * - day-of-week is 1-7 = SUN-SAT (`cron(0 8 ? * 2 *)` is Monday), croner's Quartz mode;
 * - exactly one of day-of-month and day-of-week is `?`;
 * - `a/b` starts at a (croner's `sloppyRanges`), `L`, `W` and `#` as documented;
 * - a year field (1970-2199);
 * - DST: a local time skipped by the spring jump is skipped, and a repeated local time in the
 *   autumn fires once (croner, like Vixie cron, would move a fixed time past the gap and run
 *   interval jobs twice in the repeated hour).
 */

export class ScheduleError extends Error {
  readonly expression: string;
  constructor(expression: string, reason: string) {
    super(`Invalid EventBridge schedule ${expression}: ${reason}`);
    this.name = 'ScheduleError';
    this.expression = expression;
  }
}

export interface Schedule {
  readonly expression: string;
  readonly timeZone: string;
  /** The first run strictly after `after`. */
  nextAfter(after: Date): Date;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  /** Names for 1-based values (months, days). */
  names?: string[];
  /** `/` allowed (every field but day-of-week). */
  step: boolean;
}

const FIELDS: FieldRule[] = [
  { name: 'minutes', min: 0, max: 59, step: true },
  { name: 'hours', min: 0, max: 23, step: true },
  { name: 'day-of-month', min: 1, max: 31, step: true },
  { name: 'month', min: 1, max: 12, names: MONTHS, step: true },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, step: false },
  { name: 'year', min: 1970, max: 2199, step: true },
];

function value(token: string, rule: FieldRule, expression: string): number {
  const named = rule.names?.indexOf(token.toUpperCase()) ?? -1;
  const n = named >= 0 ? named + 1 : /^\d+$/.test(token) ? Number(token) : NaN;
  if (!Number.isInteger(n) || n < rule.min || n > rule.max) {
    const allowed = `${rule.min}-${rule.max}${rule.names ? ` or ${rule.names[0]}-${rule.names.at(-1)}` : ''}`;
    throw new ScheduleError(expression, `${rule.name} "${token}" is not ${allowed}`);
  }
  return n;
}

/** One comma-separated part of a plain field: `*`, `n`, `a-b`, `*\/s`, `a/s`, `a-b/s`. */
function checkPart(part: string, rule: FieldRule, expression: string): void {
  const [range, step, ...extra] = part.split('/');
  if (extra.length > 0 || range === undefined || range === '') {
    throw new ScheduleError(expression, `${rule.name} "${part}" is malformed`);
  }
  if (step !== undefined) {
    if (!rule.step) throw new ScheduleError(expression, `${rule.name} does not take "/"`);
    if (!/^\d+$/.test(step) || Number(step) < 1) {
      throw new ScheduleError(expression, `${rule.name} step "${step}" must be a positive integer`);
    }
  }
  if (range === '*') return;
  const bounds = range.split('-');
  if (bounds.length > 2) throw new ScheduleError(expression, `${rule.name} "${part}" is malformed`);
  const [from, to] = bounds.map((b) => value(b, rule, expression));
  if (to !== undefined && to < from!) {
    // EventBridge's own wrap-around ranges are not evaluated here: refuse rather than guess.
    throw new ScheduleError(expression, `${rule.name} range "${range}" runs backwards`);
  }
}

function checkField(field: string, rule: FieldRule, expression: string): void {
  if (field === '') throw new ScheduleError(expression, `${rule.name} is empty`);
  for (const part of field.split(',')) checkPart(part, rule, expression);
}

/** Day-of-month: plain parts, or `L` (last day), or `nW` (weekday nearest day n) alone. */
function checkDayOfMonth(field: string, expression: string): void {
  if (field === 'L') return;
  const weekday = /^(\d+)W$/.exec(field);
  if (weekday) {
    value(weekday[1]!, FIELDS[2]!, expression);
    return;
  }
  if (/[LW]/.test(field)) {
    throw new ScheduleError(expression, `day-of-month "${field}": L and nW stand alone`);
  }
  checkField(field, FIELDS[2]!, expression);
}

/** Day-of-week: plain parts, or `L` / `nL` (last), or a single `n#k` (k-th n of the month). */
function checkDayOfWeek(field: string, expression: string): void {
  const rule = FIELDS[4]!;
  if (field === 'L') return;
  const last = /^(\w+)L$/.exec(field);
  if (last) {
    value(last[1]!, rule, expression);
    return;
  }
  if (field.includes('#')) {
    const nth = /^(\w+)#([1-5])$/.exec(field);
    if (!nth) {
      throw new ScheduleError(
        expression,
        `day-of-week "${field}": "#" takes one day and an instance 1-5 (e.g. 3#2), alone`,
      );
    }
    value(nth[1]!, rule, expression);
    return;
  }
  if (field.includes('L')) {
    throw new ScheduleError(expression, `day-of-week "${field}": L stands alone or as nL`);
  }
  checkField(field, rule, expression);
}

/** EventBridge's day-of-week `L` is the last day of the week, Saturday. */
function toCronerDayOfWeek(field: string): string {
  if (field === '?') return '*';
  if (field === 'L') return '7';
  const last = /^(\w+)L$/.exec(field);
  return last ? `${last[1]}#L` : field;
}

/** Validates `cron(...)` as EventBridge does; throws `ScheduleError` naming what is wrong. */
export function parseSchedule(expression: string, timeZone: string): Schedule {
  const inner = /^cron\((.*)\)$/.exec(expression)?.[1];
  if (inner === undefined) {
    throw new ScheduleError(
      expression,
      'expected cron(minutes hours day-of-month month day-of-week year)',
    );
  }
  const fields = inner.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ScheduleError(expression, `expected 6 fields, found ${fields.length}`);
  }
  const [minutes, hours, dom, month, dow, year] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if ((dom === '?') === (dow === '?')) {
    throw new ScheduleError(
      expression,
      'exactly one of day-of-month and day-of-week must be "?" (the other gives the days)',
    );
  }
  checkField(minutes, FIELDS[0]!, expression);
  checkField(hours, FIELDS[1]!, expression);
  if (dom !== '?') checkDayOfMonth(dom, expression);
  checkField(month, FIELDS[3]!, expression);
  if (dow !== '?') checkDayOfWeek(dow, expression);
  checkField(year, FIELDS[5]!, expression);
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new ScheduleError(expression, `unknown time zone "${timeZone}"`);
  }

  const pattern = [
    '0',
    minutes,
    hours,
    dom === '?' ? '*' : dom,
    month,
    toCronerDayOfWeek(dow),
    year,
  ].join(' ');
  let cron: Cron;
  try {
    cron = new Cron(pattern, {
      timezone: timeZone,
      mode: '7-part',
      alternativeWeekdays: true,
      sloppyRanges: true,
      paused: true,
    });
  } catch (error) {
    throw new ScheduleError(expression, (error as Error).message);
  }

  const wall = (t: number) => t + zoneOffsetMs(new Date(t), timeZone);
  return {
    expression,
    timeZone,
    nextAfter(after) {
      let t = after;
      // Bounded: a skipped or repeated time is followed by a real one within a few tries.
      for (let i = 0; i < 1000; i += 1) {
        const next = cron.nextRun(t);
        if (!next) throw new ScheduleError(expression, `never fires after ${after.toISOString()}`);
        const ms = next.getTime();
        t = next;
        // Moved past a DST gap: its wall-clock time is not one the expression names.
        if (!cron.match(next)) continue;
        // The second pass through a repeated hour: the same wall-clock time already fired.
        const hourEarlier = ms - 3_600_000;
        const shift = zoneOffsetMs(new Date(hourEarlier), timeZone) - zoneOffsetMs(next, timeZone);
        if (shift > 0 && wall(ms - shift) === wall(ms)) continue;
        return next;
      }
      throw new ScheduleError(expression, `no run found after ${after.toISOString()}`);
    },
  };
}

const parsed = new Map<string, Schedule>();

/** When `schedule` next fires after `after` in `timeZone` (parsed once per pair, then cached). */
export function nextRunAfter(schedule: string, after: Date, timeZone: string): Date {
  const key = `${timeZone} ${schedule}`;
  let s = parsed.get(key);
  if (!s) {
    s = parseSchedule(schedule, timeZone);
    parsed.set(key, s);
  }
  return s.nextAfter(after);
}

/** Parses every catalog entry's schedule, naming the entry whose schedule is refused. */
export function parseSchedules<N extends string>(
  entries: readonly { name: N; schedule: string; timezone: string }[],
): Record<N, Schedule> {
  const out = {} as Record<N, Schedule>;
  for (const e of entries) {
    try {
      out[e.name] = parseSchedule(e.schedule, e.timezone);
    } catch (error) {
      throw new ScheduleError(e.schedule, `collector ${e.name}: ${(error as Error).message}`);
    }
  }
  return out;
}
