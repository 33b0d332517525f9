import type { AlertDefinition } from '../catalog/types.ts';
import { renderDescription, type AlertLabels } from './labels.ts';

/** The page sent by email for `slack+email` alerts: plain text, ids and numbers only. */
export function buildAlertEmail(input: {
  alert: AlertDefinition;
  labels: AlertLabels;
  occurrences: number;
  firstRaisedAt: Date;
  runbookBaseUrl?: string | undefined;
  stage?: string | undefined;
}): { subject: string; text: string } {
  const { alert } = input;
  const stage = input.stage ? `[${input.stage}] ` : '';
  const runbook = input.runbookBaseUrl
    ? `${input.runbookBaseUrl.replace(/\/+$/, '')}/${alert.runbook}.md`
    : `runbooks/${alert.runbook}.md`;
  return {
    subject: `${stage}[${alert.severity.toUpperCase()}] ${alert.summary}`,
    text: [
      renderDescription(alert, input.labels),
      '',
      `Alert: ${alert.id}`,
      `Severity: ${alert.severity}`,
      `Occurrences: ${input.occurrences}`,
      `First raised: ${input.firstRaisedAt.toISOString()}`,
      `Runbook: ${runbook}`,
      '',
      'Sent by Vigie through the email route (critical alerts page by Slack and email).',
    ].join('\n'),
  };
}
