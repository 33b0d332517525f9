import * as z from 'zod';

/**
 * Sentry's integration-platform alert webhooks (docs/alert-webhooks.md): an internal
 * integration set as the action of an alert rule receives `event_alert` (an issue alert rule
 * fired: `action: "triggered"`, the event under `data.event`) and `metric_alert` (`action`:
 * `critical`, `warning` or `resolved`, the incident under `data.metric_alert`), named by the
 * `Sentry-Hook-Resource` header. Loose objects: only ids and numbers are read; the event's
 * message, tags, user and request stay here.
 */
const id = z.union([z.string().min(1), z.number().int()]).transform(String);

export const sentryEventAlertPayload = z.looseObject({
  action: z.literal('triggered', { message: 'expected action "triggered"' }),
  data: z.looseObject({
    event: z.looseObject({
      issue_id: id,
      project: id,
    }),
    issue_alert: z.looseObject({ id: id.optional(), title: z.string().optional() }).optional(),
  }),
});

export const sentryMetricAlertPayload = z.looseObject({
  action: z.enum(['critical', 'warning', 'resolved'], {
    message: 'expected action critical, warning or resolved',
  }),
  data: z.looseObject({
    description_text: z.string().optional(),
    metric_alert: z.looseObject({
      id,
      // The incident's start: the same in each of its deliveries (critical, warning, resolved).
      date_started: z.iso.datetime({ offset: true }).nullish().catch(null),
      alert_rule: z.looseObject({
        id: id.optional(),
        name: z.string().optional(),
        time_window: z.number({ message: 'expected the rule time window in minutes' }),
        projects: z.array(z.string().min(1)).min(1, { message: 'expected the rule projects' }),
        triggers: z
          .array(z.looseObject({ label: z.string(), alert_threshold: z.number().nullish() }))
          .optional(),
      }),
    }),
  }),
});

export type SentryAlertAction =
  | {
      kind: 'raise' | 'resolve';
      alertId: string;
      labels: Record<string, string | number>;
      /** When the incident started (metric alerts), as Sentry dates it in the signed body. */
      episodeStartedAt?: Date;
    }
  | { kind: 'ignore'; reason: string };

/** `sentry-new-issue`: the rule fires on an issue's first event. */
export function eventAlertAction(
  payload: z.infer<typeof sentryEventAlertPayload>,
): SentryAlertAction {
  return {
    kind: 'raise',
    alertId: 'sentry-new-issue',
    labels: { issueId: payload.data.event.issue_id, projectId: payload.data.event.project },
  };
}

/**
 * `sentry-error-spike`: critical (or warning) raises, resolved resolves. The count comes from
 * Sentry's own description ("<n> events in the last <m> minutes"); failing that, the
 * threshold the trigger crossed stands in, as a lower bound.
 */
export function metricAlertAction(
  payload: z.infer<typeof sentryMetricAlertPayload>,
): SentryAlertAction {
  const rule = payload.data.metric_alert.alert_rule;
  const projectId = rule.projects[0]!;
  const started = payload.data.metric_alert.date_started;
  const episode = started ? { episodeStartedAt: new Date(started) } : {};
  if (payload.action === 'resolved') {
    return { kind: 'resolve', alertId: 'sentry-error-spike', labels: { projectId }, ...episode };
  }
  const counted = /^\s*([\d.,]+)\s+events?\b/i.exec(payload.data.description_text ?? '')?.[1];
  const threshold = rule.triggers?.find((t) => t.label === payload.action)?.alert_threshold;
  const events = counted ? Math.round(Number(counted.replace(/,/g, ''))) : (threshold ?? 0);
  return {
    kind: 'raise',
    alertId: 'sentry-error-spike',
    labels: { events, windowMinutes: rule.time_window, projectId },
    ...episode,
  };
}
