import {
  IncomingWebhook,
  IncomingWebhookHTTPError,
  IncomingWebhookRequestError,
  type IncomingWebhookSendArguments,
} from '@slack/webhook';
import type { SlackAnswer } from '../../core/alerting/slack-response.ts';

/**
 * One POST to a Slack incoming webhook with the official client. `@slack/webhook` v8 throws
 * `IncomingWebhookHTTPError` on every 4xx including 429 and drops the `Retry-After` header, so
 * a fetch wrapper keeps that header for our own pacing. The client's retries stay off: the
 * dispatcher owns retries (durably, in Postgres), pacing and back-off.
 */
export async function postToSlack(
  webhookUrl: string,
  message: IncomingWebhookSendArguments,
  options: { timeoutMs: number },
): Promise<SlackAnswer> {
  let retryAfter: string | null = null;
  const webhook = new IncomingWebhook(webhookUrl, {
    timeout: options.timeoutMs,
    retryConfig: { retries: 0 },
    fetch: async (url, init) => {
      const response = await fetch(url, init as RequestInit);
      retryAfter = response.headers.get('retry-after');
      return response;
    },
  });
  try {
    const result = await webhook.send(message);
    return { status: 200, body: result.text, retryAfter: null };
  } catch (error) {
    if (error instanceof IncomingWebhookHTTPError) {
      return { status: error.statusCode, body: error.body, retryAfter };
    }
    if (error instanceof IncomingWebhookRequestError) {
      // Only a code (ECONNRESET, TimeoutError…): messages can embed the URL, which is a secret.
      return { networkError: networkCode(error.original) };
    }
    throw error;
  }
}

function networkCode(error: Error): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return error.name || 'network_error';
}
