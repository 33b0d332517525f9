import { describe, expect, it } from 'vitest';
import {
  eventAlertAction,
  metricAlertAction,
  sentryEventAlertPayload,
  sentryMetricAlertPayload,
} from './sentry-alert-webhook.ts';

// Trimmed from the examples of Sentry's integration-platform webhook docs (docs/alert-webhooks.md);
// the Sentry stand-in sends the full documented shape (sandbox/sentry/alert-webhooks.ts).
const sentryEventAlert = ({ issueId }: { issueId: string }) => ({
  action: 'triggered',
  actor: { id: 'sentry', name: 'Sentry', type: 'application' },
  data: {
    event: {
      event_id: 'a4c1b0b9c5a84b5ba9a1b4c1f3b3b2e1',
      issue_id: issueId,
      project: 4509,
      title: 'Error: connect ECONNREFUSED jane.doe@example.com',
      user: { email: 'jane.doe@example.com' },
    },
    triggered_rule: '[vigie:sentry-new-issue] vigie-staging-api',
    issue_alert: { id: 12, title: '[vigie:sentry-new-issue] vigie-staging-api', settings: [] },
  },
  installation: { uuid: '7a485448-a9e2-4c85-8a3c-4f44175783c9' },
});
const sentryMetricAlert = ({
  action,
  description = '1000 events in the last 10 minutes\nFilter: level:error',
}: {
  action: string;
  description?: string;
}) => ({
  action,
  actor: { id: 'sentry', name: 'Sentry', type: 'application' },
  data: {
    description_text: description,
    description_title: 'Too many errors',
    metric_alert: {
      id: '7',
      identifier: 7,
      status: 2,
      title: 'Too many errors',
      alert_rule: {
        id: '3',
        name: '[vigie:sentry-error-spike] vigie-staging-api',
        aggregate: 'count()',
        time_window: 10,
        projects: ['vigie-staging-api'],
        triggers: [{ label: 'critical', alert_threshold: 50, actions: [] }],
      },
    },
    web_url: 'https://sentry.io/organizations/vigie/alerts/rules/details/3/',
  },
  installation: { uuid: '7a485448-a9e2-4c85-8a3c-4f44175783c9' },
});

describe('Sentry alert webhooks', () => {
  it('event_alert raises sentry-new-issue with the issue and project ids', () => {
    const payload = sentryEventAlertPayload.parse(sentryEventAlert({ issueId: '1117540176' }));
    expect(eventAlertAction(payload)).toEqual({
      kind: 'raise',
      alertId: 'sentry-new-issue',
      labels: { issueId: '1117540176', projectId: '4509' },
    });
  });

  it('metric_alert critical raises sentry-error-spike with the count Sentry describes', () => {
    const payload = sentryMetricAlertPayload.parse(sentryMetricAlert({ action: 'critical' }));
    expect(metricAlertAction(payload)).toEqual({
      kind: 'raise',
      alertId: 'sentry-error-spike',
      labels: { events: 1000, windowMinutes: 10, projectId: 'vigie-staging-api' },
    });
  });

  it('falls back to the crossed threshold when the description has no count', () => {
    const payload = sentryMetricAlertPayload.parse(
      sentryMetricAlert({ action: 'critical', description: 'Too many errors' }),
    );
    expect(metricAlertAction(payload)).toMatchObject({ labels: { events: 50 } });
  });

  it('metric_alert resolved resolves it', () => {
    const payload = sentryMetricAlertPayload.parse(sentryMetricAlert({ action: 'resolved' }));
    expect(metricAlertAction(payload)).toEqual({
      kind: 'resolve',
      alertId: 'sentry-error-spike',
      labels: { projectId: 'vigie-staging-api' },
    });
  });
});
