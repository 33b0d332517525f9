import { createHmac, randomUUID } from 'node:crypto';

/**
 * Sentry's internal integration as a sender of alert webhooks, held to Sentry's integration
 * platform docs (docs/alert-webhooks.md): `POST` to the integration's webhook URL with
 * `Content-Type: application/json`, `Request-ID`, `Sentry-Hook-Resource` (`event_alert`,
 * `metric_alert`), `Sentry-Hook-Timestamp` (Unix seconds) and `Sentry-Hook-Signature`, the
 * hex HMAC-SHA256 of the body with the integration's client secret. Bodies follow the docs'
 * examples (an issue alert carries the whole event, personal data included: the receiver must
 * keep only ids).
 */
export interface SentryIntegration {
  webhookUrl: string;
  clientSecret: string;
  installationUuid?: string;
}

/** The `event_alert` body for the docs' example event: a Node error naming a person. */
export function eventAlertBody(input: {
  issueId: string;
  projectId: number;
  ruleName: string;
  ruleId?: number;
}) {
  return eventAlertFromEvent(
    {
      payload: {
        event_id: randomUUID().replace(/-/g, ''),
        contexts: { runtime: { name: 'node', type: 'runtime', version: 'v24.0.0' } },
        culprit: 'adapters/postgres/pool in query',
        exception: {
          values: [
            { type: 'Error', value: 'connect ECONNREFUSED (prospect jane.doe@example.com)' },
          ],
        },
        level: 'error',
        location: 'adapters/postgres/pool.ts',
        platform: 'node',
        tags: { level: 'error' },
        timestamp: Date.now() / 1000,
        user: { email: 'jane.doe@example.com', ip_address: '192.0.2.10' },
      },
    },
    input,
  );
}

/**
 * The `event_alert` body for an event the stand-in ingested, as Sentry serializes it there:
 * the event's own fields (exception, user, request, contexts: personal data the receiver must
 * drop) plus the issue's ids and URLs, `tags` as pairs, `datetime` from its timestamp.
 */
export function eventAlertFromEvent(
  event: { payload: Record<string, unknown> },
  input: { issueId: string; projectId: number; ruleName: string; ruleId?: number },
) {
  const p = event.payload;
  const eventId = typeof p.event_id === 'string' ? p.event_id : randomUUID().replace(/-/g, '');
  const values = (p.exception as { values?: Array<Record<string, unknown>> } | undefined)?.values;
  const exception = values?.at(-1);
  const message =
    (p.logentry as { formatted?: string } | undefined)?.formatted ??
    (typeof p.message === 'string' ? p.message : '');
  const title = exception
    ? `${String(exception.type ?? 'Error')}: ${String(exception.value ?? '')}`
    : message || '<unlabeled event>';
  const timestamp = p.timestamp;
  const datetime = new Date(
    typeof timestamp === 'number'
      ? timestamp * 1000
      : typeof timestamp === 'string'
        ? timestamp
        : Date.now(),
  ).toISOString();
  const tags = isRecord(p.tags) ? Object.entries(p.tags).map(([k, v]) => [k, String(v)]) : [];
  return {
    action: 'triggered',
    actor: { id: 'sentry', name: 'Sentry', type: 'application' },
    data: {
      event: {
        ...p,
        _ref: input.projectId,
        _ref_version: 2,
        culprit: typeof p.transaction === 'string' ? p.transaction : (p.culprit ?? ''),
        datetime,
        event_id: eventId,
        issue_id: input.issueId,
        issue_url: `https://sentry.io/api/0/issues/${input.issueId}/`,
        level: p.level ?? 'error',
        message,
        project: input.projectId,
        tags,
        title,
        type: exception ? 'error' : 'default',
        url: `https://sentry.io/api/0/projects/vigie/vigie/events/${eventId}/`,
        web_url: `https://sentry.io/organizations/vigie/issues/${input.issueId}/events/${eventId}/`,
      },
      triggered_rule: input.ruleName,
      issue_alert: { id: input.ruleId ?? 1, title: input.ruleName, sentry_app_id: 1, settings: [] },
    },
    installation: { uuid: randomUUID() },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function metricAlertBody(input: {
  action: 'critical' | 'warning' | 'resolved';
  events: number;
  windowMinutes: number;
  projectSlug: string;
  ruleName: string;
  threshold: number;
  /** The incident's start, the same in each of its deliveries (default: now). */
  startedAt?: Date;
}) {
  const title = input.action === 'resolved' ? `Resolved: ${input.ruleName}` : input.ruleName;
  const started = (input.startedAt ?? new Date()).toISOString();
  return {
    action: input.action,
    actor: { id: 'sentry', name: 'Sentry', type: 'application' },
    data: {
      description_text: `${input.events} events in the last ${input.windowMinutes} minutes\nFilter: level:error`,
      description_title: title,
      metric_alert: {
        alert_rule: {
          aggregate: 'count()',
          created_by: null,
          dataset: 'events',
          id: '3',
          include_all_projects: false,
          name: input.ruleName,
          organization_id: '1',
          projects: [input.projectSlug],
          query: 'level:error',
          resolution: 1,
          resolve_threshold: null,
          status: 0,
          threshold_period: 1,
          threshold_type: 0,
          time_window: input.windowMinutes,
          triggers: [
            {
              actions: [],
              alert_rule_id: '3',
              alert_threshold: input.threshold,
              id: '4',
              label: 'critical',
              resolve_threshold: null,
              threshold_type: 0,
            },
          ],
        },
        date_closed: null,
        date_created: new Date().toISOString(),
        date_detected: started,
        date_started: started,
        id: '7',
        identifier: '7',
        organization_id: '1',
        projects: [input.projectSlug],
        status: input.action === 'resolved' ? 2 : 1,
        status_method: 3,
        title: input.ruleName,
        type: 2,
      },
      web_url: 'https://sentry.io/organizations/vigie/alerts/rules/details/3/',
    },
    installation: { uuid: randomUUID() },
  };
}

/** Sends one webhook as Sentry does; `sign: false` or another secret makes a forged one. */
export async function sendAlertWebhook(
  integration: SentryIntegration,
  resource: 'event_alert' | 'metric_alert' | 'installation' | 'issue',
  body: unknown,
  options: { secret?: string } = {},
): Promise<Response> {
  const text = JSON.stringify(body);
  const signature = createHmac('sha256', options.secret ?? integration.clientSecret)
    .update(text, 'utf8')
    .digest('hex');
  return fetch(integration.webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'request-id': randomUUID(),
      'sentry-hook-resource': resource,
      'sentry-hook-timestamp': String(Math.floor(Date.now() / 1000)),
      'sentry-hook-signature': signature,
    },
    body: text,
    signal: AbortSignal.timeout(10_000),
  });
}
