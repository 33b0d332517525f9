import { SENTRY_ERROR_SPIKE_RULE } from '../../core/catalog/sentry-rules.ts';
import {
  type SentryIntegration,
  eventAlertFromEvent,
  metricAlertBody,
  sendAlertWebhook,
} from '../sentry/alert-webhooks.ts';
import type { SentryStandIn, StoredEvent } from '../sentry/server.ts';

/**
 * The Sentry stand-in's side of the two alert rules infra creates in Sentry
 * (infra/components/alert-routes.ts), acting as Sentry does: it calls the internal
 * integration's webhook (the app's `POST /hooks/sentry`, signed with the client secret), never
 * the outbox. Driven by the staging clock, like the Better Stack pinger.
 * - Issue rule (`FirstSeenEventCondition`): events are grouped into issues; the first event of
 *   a new issue sends one `event_alert`. A later event of the same issue sends nothing.
 * - Metric rule (`SENTRY_ERROR_SPIKE_RULE`): every staging minute, the error events accepted in
 *   the window; crossing above the alert threshold sends `metric_alert` `critical` once,
 *   falling below the resolve threshold sends `resolved`.
 * A delivery the app did not accept (down, 5xx) is tried again at the next tick, up to
 * `MAX_DELIVERY_ATTEMPTS`; what the app answered is kept in `deliveries()`.
 */
export interface SentryDelivery {
  resource: 'event_alert' | 'metric_alert';
  action: string;
  /** The issue (event_alert) or the project slug (metric_alert). */
  subject: string;
  status: number;
  attempts: number;
}

export const MAX_DELIVERY_ATTEMPTS = 5;

export function createSentryRuleEvaluator(
  sentry: Pick<SentryStandIn, 'outcomes' | 'events' | 'projectId'>,
  integration: SentryIntegration,
  options: {
    projectSlug?: string;
    rule?: { timeWindowMinutes: number; alertThreshold: number; resolveThreshold: number };
  } = {},
) {
  const rule = options.rule ?? SENTRY_ERROR_SPIKE_RULE;
  const projectSlug = options.projectSlug ?? 'vigie';
  const ruleName = `[vigie:sentry-error-spike] ${projectSlug}`;
  const issues = new Map<string, string>();
  let nextIssueId = 1001;
  let seenEvents = 0;
  /** Open incidents: project slug → when the incident started (each delivery carries it). */
  const firing = new Map<string, Date>();
  let lastEval = -Infinity;
  const queue: Array<{ delivery: SentryDelivery; body: unknown }> = [];
  const deliveries: SentryDelivery[] = [];

  const send = async () => {
    for (const item of [...queue]) {
      item.delivery.attempts += 1;
      const status = await sendAlertWebhook(integration, item.delivery.resource, item.body).then(
        async (r) => {
          await r.body?.cancel();
          return r.status;
        },
        () => 0,
      );
      item.delivery.status = status;
      const done =
        (status >= 200 && status < 300) || item.delivery.attempts >= MAX_DELIVERY_ATTEMPTS;
      if (!done) break; // in order: a later alert must not overtake an earlier one
      queue.splice(queue.indexOf(item), 1);
      deliveries.push(item.delivery);
    }
  };
  const enqueue = (delivery: Omit<SentryDelivery, 'status' | 'attempts'>, body: unknown) =>
    queue.push({ delivery: { ...delivery, status: 0, attempts: 0 }, body });

  return {
    async advanceTo(now: Date): Promise<void> {
      // Issue alerts: Sentry evaluates them as each event is processed.
      const events = sentry.events();
      if (events.length < seenEvents) seenEvents = 0; // the stand-in was reset
      for (const event of events.slice(seenEvents)) {
        const key = groupingKey(event);
        if (issues.has(key)) continue;
        const issueId = String(nextIssueId++);
        issues.set(key, issueId);
        enqueue(
          { resource: 'event_alert', action: 'triggered', subject: issueId },
          eventAlertFromEvent(event, {
            issueId,
            projectId: Number(sentry.projectId),
            ruleName: `[vigie:sentry-new-issue] ${projectSlug}`,
          }),
        );
      }
      seenEvents = events.length;

      const t = now.getTime();
      if (t - lastEval >= 60_000) {
        lastEval = t;
        const windowMs = rule.timeWindowMinutes * 60_000;
        let count = 0;
        for (const o of sentry.outcomes()) {
          if (o.category !== 'error' || o.outcome !== 'accepted') continue;
          const at = o.at.getTime();
          if (at > t - windowMs && at <= t) count += 1;
        }
        // Sentry notifies when the rule crosses into critical, not on every evaluation.
        const action =
          count > rule.alertThreshold && !firing.has(projectSlug)
            ? 'critical'
            : count < rule.resolveThreshold && firing.has(projectSlug)
              ? 'resolved'
              : undefined;
        if (action !== undefined) {
          const startedAt = firing.get(projectSlug) ?? now;
          if (action === 'critical') firing.set(projectSlug, now);
          else firing.delete(projectSlug);
          enqueue(
            { resource: 'metric_alert', action, subject: projectSlug },
            metricAlertBody({
              action,
              events: count,
              windowMinutes: rule.timeWindowMinutes,
              projectSlug,
              ruleName,
              threshold: rule.alertThreshold,
              startedAt,
            }),
          );
        }
      }
      if (queue.length > 0) await send();
    },
    /** Webhook deliveries done (accepted, or given up after `MAX_DELIVERY_ATTEMPTS`), oldest first. */
    deliveries: (): SentryDelivery[] => [...deliveries],
    /** Issues the stand-in grouped, by grouping key → issue id. */
    issues: (): Map<string, string> => new Map(issues),
  };
}

/**
 * A simplified form of Sentry's default grouping: the event's own `fingerprint` when it sets
 * one without `{{ default }}`; else the exception's type with its in-app frames (module or
 * file, function), or its type and value when it has no stack trace; else the message.
 */
export function groupingKey(event: Pick<StoredEvent, 'payload'>): string {
  const p = event.payload as Record<string, unknown>;
  if (Array.isArray(p.fingerprint) && !p.fingerprint.includes('{{ default }}')) {
    return `fingerprint:${p.fingerprint.map(String).join('|')}`;
  }
  const values = (p.exception as { values?: unknown[] } | undefined)?.values;
  const exception = Array.isArray(values) ? (values.at(-1) as Record<string, unknown>) : undefined;
  if (exception) {
    const frames = (
      (exception.stacktrace as { frames?: Array<Record<string, unknown>> } | undefined)?.frames ??
      []
    ).filter((f) => f.in_app !== false);
    const type = String(exception.type ?? 'Error');
    if (frames.length > 0) {
      return `exception:${type}:${frames.map((f) => `${String(f.module ?? f.filename ?? '?')}.${String(f.function ?? '?')}`).join('>')}`;
    }
    return `exception:${type}:${String(exception.value ?? '')}`;
  }
  const logentry = p.logentry as { formatted?: unknown; message?: unknown } | undefined;
  const message = logentry?.formatted ?? logentry?.message ?? p.message;
  if (typeof message === 'string' && message !== '') return `message:${message}`;
  return 'unlabeled';
}
