import type { AlertDefinition, Severity } from '../catalog/types.ts';
import { renderDescription, type AlertLabels } from './labels.ts';
import type { NotificationKind } from './grouping.ts';

/**
 * The Block Kit message for one notification (docs.slack.dev/block-kit; limits: header text
 * 150 chars, section text 3000). Blocks sit in one attachment so the severity colour shows as
 * the bar on the left; `text` is the notification fallback. Alert text comes from the catalog
 * and id-only labels, so it carries no personal data.
 */

export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}
export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
}
export type SlackBlock =
  | { type: 'header'; text: PlainText }
  | { type: 'section'; text?: MrkdwnText; fields?: MrkdwnText[] }
  | { type: 'context'; elements: MrkdwnText[] };

export interface SlackMessage {
  text: string;
  attachments: Array<{ color: string; fallback: string; blocks: SlackBlock[] }>;
}

export interface SlackMessageInput {
  alert: AlertDefinition;
  labels: AlertLabels;
  kind: NotificationKind;
  occurrences: number;
  firstRaisedAt: Date;
  lastRaisedAt: Date;
  resolvedAt: Date | null;
  /** Runbooks are linked as `<runbookBaseUrl>/<slug>.md`; without a base, the path is shown. */
  runbookBaseUrl?: string | undefined;
  dashboardUrl?: string | undefined;
  /** `local`, `staging` or `prod`, shown so a staging alert is never mistaken for prod. */
  stage?: string | undefined;
}

const style: Record<Severity | 'resolved', { emoji: string; color: string; label: string }> = {
  critical: { emoji: ':red_circle:', color: '#E01E5A', label: 'CRITICAL' },
  warning: { emoji: ':large_orange_circle:', color: '#ECB22E', label: 'WARNING' },
  info: { emoji: ':large_blue_circle:', color: '#36C5F0', label: 'INFO' },
  resolved: { emoji: ':white_check_mark:', color: '#2EB67D', label: 'RESOLVED' },
};

const headline: Record<NotificationKind, string> = {
  firing: '',
  update: 'Still firing: ',
  repeat: 'Reminder: ',
  resolved: 'Resolved: ',
};

export function buildSlackMessage(input: SlackMessageInput): SlackMessage {
  const { alert } = input;
  const look = style[input.kind === 'resolved' ? 'resolved' : alert.severity];
  const description = renderDescription(alert, input.labels);
  const stage = input.stage ? `[${input.stage}] ` : '';
  const title = `${look.emoji} ${stage}${headline[input.kind]}${alert.summary}`;
  const count = input.occurrences === 1 ? '1 occurrence' : `${input.occurrences} occurrences`;

  const fields: MrkdwnText[] = [
    mrkdwn(
      `*Severity*\n${look.label === 'RESOLVED' ? `${alert.severity} (resolved)` : alert.severity}`,
    ),
    mrkdwn(`*Occurrences*\n${input.occurrences}`),
    mrkdwn(`*First raised*\n${iso(input.firstRaisedAt)}`),
    input.resolvedAt
      ? mrkdwn(`*Resolved*\n${iso(input.resolvedAt)}`)
      : mrkdwn(`*Last raised*\n${iso(input.lastRaisedAt)}`),
  ];

  const runbook = input.runbookBaseUrl
    ? `<${trimSlash(input.runbookBaseUrl)}/${alert.runbook}.md|Runbook: ${alert.runbook}>`
    : `Runbook: \`runbooks/${alert.runbook}.md\``;
  const links = [runbook];
  if (input.dashboardUrl) links.push(`<${input.dashboardUrl}|Dashboard>`);
  links.push(`alert \`${alert.id}\``);

  const fallback = `${stage}[${look.label}] ${headline[input.kind]}${alert.summary}: ${description} (${count})`;
  return {
    text: truncate(fallback, 3000),
    attachments: [
      {
        color: look.color,
        fallback: truncate(fallback, 3000),
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: truncate(title, 150), emoji: true } },
          { type: 'section', text: mrkdwn(truncate(escapeMrkdwn(description), 3000)) },
          { type: 'section', fields },
          { type: 'context', elements: [mrkdwn(links.join('  •  '))] },
        ],
      },
    ],
  };
}

/** Slack mrkdwn needs only these three escaped (docs.slack.dev, formatting message text). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function mrkdwn(text: string): MrkdwnText {
  return { type: 'mrkdwn', text };
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
