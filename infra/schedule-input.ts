/**
 * What EventBridge Scheduler sends a collector: its context attributes, filled in per run
 * (docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html).
 * The schedule's target input (`ScheduledCollector`) and the bundle test's event both come
 * from here.
 */
export const SCHEDULE_INPUT = {
  source: 'aws.scheduler',
  'detail-type': 'Scheduled Event',
  scheduleArn: '<aws.scheduler.schedule-arn>',
  scheduledTime: '<aws.scheduler.scheduled-time>',
  executionId: '<aws.scheduler.execution-id>',
  attemptNumber: '<aws.scheduler.attempt-number>',
} as const;

/** The input as one run receives it. */
export function scheduledEvent(
  scheduleArn: string,
  at: Date,
  attempt = 1,
): Record<keyof typeof SCHEDULE_INPUT, string> {
  const filled: Record<string, string> = {
    '<aws.scheduler.schedule-arn>': scheduleArn,
    '<aws.scheduler.scheduled-time>': at.toISOString(),
    '<aws.scheduler.execution-id>': `${scheduleArn.split('/').pop()}-${at.getTime()}`,
    '<aws.scheduler.attempt-number>': String(attempt),
  };
  return Object.fromEntries(
    Object.entries(SCHEDULE_INPUT).map(([k, v]) => [k, filled[v] ?? v]),
  ) as Record<keyof typeof SCHEDULE_INPUT, string>;
}
