import { zoneOffsetMs } from './zoned-time.ts';

/**
 * When an EventBridge Scheduler `cron(min hour dom month dow year)` next fires after `after`,
 * evaluated in `timeZone` — what the local scheduler and drills use to run collectors "on
 * schedule" on a compressed clock. Supports the field forms the catalog uses: `*`, `?`, a
 * number, `a/b` (from a every b), comma lists, and weekday names (`MON`…`SUN`, `MON-FRI`).
 * A local time skipped by a DST jump is skipped, as EventBridge does.
 */
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function matches(field: string, value: number, names?: string[]): boolean {
  if (field === '*' || field === '?') return true;
  return field.split(',').some((part) => {
    const step = /^(\d+)\/(\d+)$/.exec(part);
    if (step) return value >= Number(step[1]) && (value - Number(step[1])) % Number(step[2]) === 0;
    const toNumber = (s: string) => (names && names.includes(s) ? names.indexOf(s) : Number(s));
    const range = /^(\w+)-(\w+)$/.exec(part);
    if (range) return value >= toNumber(range[1]!) && value <= toNumber(range[2]!);
    return toNumber(part) === value;
  });
}

export function nextRunAfter(schedule: string, after: Date, timeZone: string): Date {
  const fields = /^cron\((.+)\)$/.exec(schedule)?.[1]?.split(' ');
  if (!fields || fields.length !== 6)
    throw new Error(`nextRunAfter: not a cron(...) schedule: ${schedule}`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  // Walk whole UTC minutes; 15 days covers every weekly schedule with a DST change.
  let t = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
  for (let i = 0; i < 15 * 1440; i += 1, t += 60_000) {
    const local = new Date(t + zoneOffsetMs(new Date(t), timeZone));
    if (
      matches(minute, local.getUTCMinutes()) &&
      matches(hour, local.getUTCHours()) &&
      matches(dom, local.getUTCDate()) &&
      matches(month, local.getUTCMonth() + 1) &&
      matches(dow, local.getUTCDay(), DAYS)
    ) {
      return new Date(t);
    }
  }
  throw new Error(`nextRunAfter: ${schedule} never fires within 15 days`);
}
