import { retryAfterMs } from '../retry-after.ts';
/**
 * What a Slack incoming-webhook answer means for the sender (docs.slack.dev, "Sending messages
 * using incoming webhooks" → Handling errors; rate limits: api.slack.com/docs/rate-limits).
 * Success is 200 `ok`; 429 carries `Retry-After` in seconds; 5xx and network errors are
 * transient; the documented 4xx codes must not be retried without a fix.
 */

/** Codes meaning the webhook itself no longer works: every later message would fail too. */
export const deadWebhookCodes = [
  'no_service',
  'no_service_id',
  'no_team',
  'team_disabled',
  'invalid_token',
  'no_active_hooks',
  'channel_is_archived',
  'channel_not_found',
  'user_not_found',
  'action_prohibited',
  'posting_to_general_channel_denied',
] as const;

/** Codes about one message's payload: that message is dead, the webhook still works. */
export const badPayloadCodes = ['invalid_payload', 'no_text', 'too_many_attachments'] as const;

export type SlackOutcome =
  | { kind: 'ok' }
  | { kind: 'rate-limited'; retryAfterMs: number }
  | { kind: 'retryable'; reason: string }
  | { kind: 'terminal'; scope: 'webhook' | 'message'; status: number; code: string };

export type SlackAnswer =
  { status: number; body: string; retryAfter: string | null } | { networkError: string };

/** Used when a 429 comes without a usable `Retry-After`. */
export const defaultRetryAfterMs = 5_000;

export function classifySlackAnswer(answer: SlackAnswer, now: Date): SlackOutcome {
  if ('networkError' in answer) return { kind: 'retryable', reason: answer.networkError };
  const { status } = answer;
  const code = errorCode(answer.body, status);
  if (status >= 200 && status < 300) return { kind: 'ok' };
  if (status === 429) {
    return { kind: 'rate-limited', retryAfterMs: parseRetryAfter(answer.retryAfter, now) };
  }
  if (status >= 500 || status === 408) return { kind: 'retryable', reason: `http_${status}` };
  if ((badPayloadCodes as readonly string[]).includes(code)) {
    return { kind: 'terminal', scope: 'message', status, code };
  }
  if ((deadWebhookCodes as readonly string[]).includes(code)) {
    return { kind: 'terminal', scope: 'webhook', status, code };
  }
  // An undocumented 4xx: 400/413/422 are about the request, the rest about the webhook.
  const scope = status === 400 || status === 413 || status === 422 ? 'message' : 'webhook';
  return { kind: 'terminal', scope, status, code };
}

/** `Retry-After` (core/retry-after.ts) in ms, Slack's default when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number {
  return retryAfterMs(value, now) ?? defaultRetryAfterMs;
}

/** Slack answers a short code as plain text; keep only a safe identifier from it. */
function errorCode(body: string, status: number): string {
  const match = /^[a-z_]{2,64}$/.exec(body.trim());
  return match ? match[0] : `http_${status}`;
}
