import { describe, expect, it } from 'vitest';
import { findAlert } from './labels.ts';
import { buildSlackMessage } from './slack-message.ts';

const base = {
  labels: { erasureRequestId: 'er-42', ageHours: 80, step: 'n8n' },
  occurrences: 3,
  firstRaisedAt: new Date('2026-11-26T09:00:00Z'),
  lastRaisedAt: new Date('2026-11-26T09:05:00Z'),
  resolvedAt: null,
  runbookBaseUrl: 'https://runbooks.invalid/vigie/',
  dashboardUrl: 'https://grafana.invalid/d/privacy',
  stage: 'prod',
};

describe('Block Kit alert message', () => {
  it('shows severity colour and emoji, summary, description, count and links', () => {
    const message = buildSlackMessage({
      ...base,
      alert: findAlert('erasure-overdue'),
      kind: 'firing',
    });
    const attachment = message.attachments[0];
    expect(attachment?.color).toBe('#E01E5A');
    const json = JSON.stringify(message);
    expect(json).toContain(':red_circle: [prod] An erasure request is overdue or stuck');
    expect(json).toContain('Erasure request er-42 is 80 hours old, stuck at step n8n.');
    expect(json).toContain('*Occurrences*\\n3');
    expect(json).toContain(
      '<https://runbooks.invalid/vigie/privacy-erasure.md|Runbook: privacy-erasure>',
    );
    expect(json).toContain('<https://grafana.invalid/d/privacy|Dashboard>');
    expect(message.text).toContain('(3 occurrences)');
  });

  it('turns green and says resolved', () => {
    const message = buildSlackMessage({
      ...base,
      alert: findAlert('erasure-overdue'),
      kind: 'resolved',
      resolvedAt: new Date('2026-11-26T10:00:00Z'),
    });
    expect(message.attachments[0]?.color).toBe('#2EB67D');
    expect(message.text).toMatch(/^\[prod\] \[RESOLVED\] Resolved: /);
    expect(JSON.stringify(message)).toContain('*Resolved*\\n2026-11-26T10:00:00Z');
  });

  it('names the runbook file when no base URL is configured', () => {
    const message = buildSlackMessage({
      ...base,
      runbookBaseUrl: undefined,
      dashboardUrl: undefined,
      alert: findAlert('sentry-new-issue'),
      labels: { issueId: '123', projectId: '7' },
      kind: 'update',
    });
    const json = JSON.stringify(message);
    expect(json).toContain('Runbook: `runbooks/sentry-errors.md`');
    expect(json).not.toContain('Dashboard');
    expect(json).toContain(':large_orange_circle: [prod] Still firing: ');
  });
});
