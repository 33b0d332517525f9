/**
 * Slack incoming-webhook stand-in. Follows docs.slack.dev "Sending messages using incoming
 * webhooks" (POST JSON `{text, blocks?, attachments?}` → 200 `ok`; errors as 4xx with a plain
 * text code, see "Handling errors") and api.slack.com/docs/rate-limits (about one message per
 * second per webhook, short bursts allowed, then 429 with `Retry-After` in seconds).
 * HTTP statuses per code follow Slack's 2016-05-17 changelog "Changes to errors for incoming
 * webhooks" (400 payload, 403 forbidden, 404 not found, 410 archived).
 *
 * Knobs: the shared `faults` (`http-faults.ts`: server-error, rate-limited, malformed,
 * no-answer, latency) with Slack's plain-text answers, for every webhook; `setMode` switches a
 * webhook (or all) to an outage (503, or connection reset) or to a terminal error;
 * `rateLimitNext` forces 429s. Every attempt and every accepted message is recorded for tests
 * and drills. Time comes from `now` so tests can compress it. On the shared Hono `listen`.
 */
import type { Socket } from 'node:net';
import { Hono, type Context } from 'hono';
import {
  defaultFaults,
  faultMiddleware,
  type FaultAnswers,
  type HttpFaults,
  listen,
} from '../http-faults.ts';

export const terminalStatus = {
  invalid_payload: 400,
  no_text: 400,
  too_many_attachments: 400,
  no_service_id: 400,
  user_not_found: 404,
  channel_not_found: 404,
  no_service: 404,
  no_team: 404,
  channel_is_archived: 410,
  action_prohibited: 403,
  posting_to_general_channel_denied: 403,
  invalid_token: 403,
  no_active_hooks: 403,
  team_disabled: 403,
} as const;

export type TerminalCode = keyof typeof terminalStatus;

export type SlackMode =
  | { kind: 'ok' }
  | { kind: 'outage'; style: '503' | 'reset' }
  | { kind: 'terminal'; code: TerminalCode };

export interface SlackMessageBody {
  text?: string;
  blocks?: unknown[];
  attachments?: Array<{ color?: string; fallback?: string; blocks?: unknown[] }>;
  [key: string]: unknown;
}

export interface ReceivedMessage {
  webhook: string;
  at: number;
  body: SlackMessageBody;
}

export interface Attempt {
  webhook: string;
  at: number;
  status: number | 'reset';
  body: string;
  retryAfter?: number;
}

export interface SlackStandInOptions {
  /** Milliseconds since the epoch; defaults to the wall clock. */
  now?: () => number;
  /** Sustained messages per second per webhook (Slack: about 1). */
  ratePerSecond?: number;
  /** Messages a webhook may send at once before pacing applies. */
  burst?: number;
  port?: number;
}

export interface SlackStandIn {
  url: string;
  /** The shared fault switches, read on every request, for every webhook. */
  faults: HttpFaults;
  /** A webhook URL shaped like Slack's `/services/T…/B…/<secret>`. */
  webhookUrl(name?: string): string;
  messages: ReceivedMessage[];
  attempts: Attempt[];
  /** Applies to one webhook (by name) or, without a name, to every webhook. */
  setMode(mode: SlackMode, name?: string): void;
  /** The next `count` requests get 429 with this `Retry-After`. */
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

const WEBHOOK_PATH = /^\/services\/(T[A-Z0-9]+)\/(B[A-Za-z0-9_-]+)\/([A-Za-z0-9]+)$/;

/** Slack answers errors as a short plain-text code (`text/html`, as Slack sends it). */
function text(c: Context, status: number, body: string, retryAfter?: number): Response {
  const headers: Record<string, string> = { 'content-type': 'text/html' };
  if (retryAfter) headers['retry-after'] = String(retryAfter);
  return c.body(body, status as 200, headers);
}

const slackFaultAnswers: FaultAnswers = {
  serverError: (c) => text(c, 503, 'service_unavailable'),
  rateLimited: (c, seconds) => text(c, 429, 'rate_limited', seconds),
  // A 200 whose body is cut short: the message was taken, the answer garbled on the way.
  malformed: (c) => text(c, 200, 'o'),
};

type Env = { Bindings: { incoming: { socket: Socket } }; Variables: { reset: boolean } };

export async function startSlackStandIn(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const now = options.now ?? Date.now;
  const rate = options.ratePerSecond ?? 1;
  const burst = options.burst ?? 1;
  const messages: ReceivedMessage[] = [];
  const attempts: Attempt[] = [];
  const modes = new Map<string, SlackMode>();
  let globalMode: SlackMode = { kind: 'ok' };
  let forced = { count: 0, retryAfterSeconds: 1 };
  const buckets = new Map<string, { tokens: number; at: number }>();
  const faults = defaultFaults();
  const closing = new AbortController();

  /** Token bucket per webhook: returns 0 when a token was taken, else seconds to wait. */
  function take(webhook: string, at: number): number {
    const bucket = buckets.get(webhook) ?? { tokens: burst, at };
    const tokens = Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * rate);
    if (tokens >= 1) {
      buckets.set(webhook, { tokens: tokens - 1, at });
      return 0;
    }
    buckets.set(webhook, { tokens, at });
    return Math.max(1, Math.ceil((1 - tokens) / rate));
  }

  const webhookOf = (c: Context) => WEBHOOK_PATH.exec(c.req.path)?.[2] ?? '';

  const app = new Hono<Env>();
  // Outermost: every answer, injected fault or not, is an attempt.
  app.use('*', async (c, next) => {
    const at = now();
    await next();
    if (c.get('reset')) return;
    const retryAfter = Number(c.res.headers.get('retry-after')) || undefined;
    attempts.push({
      webhook: webhookOf(c),
      at,
      status: c.res.status,
      body: await c.res.clone().text(),
      ...(retryAfter ? { retryAfter } : {}),
    });
  });
  app.use('*', faultMiddleware(faults, closing.signal, slackFaultAnswers));
  app.all('*', async (c) => {
    const at = now();
    const webhook = webhookOf(c);
    if (c.req.method !== 'POST') return text(c, 405, 'invalid_method');
    if (webhook === '') return text(c, 404, 'no_service');
    const mode = modes.get(webhook) ?? globalMode;
    if (mode.kind === 'outage') {
      if (mode.style === 'reset') {
        c.set('reset', true);
        attempts.push({ webhook, at, status: 'reset', body: '' });
        c.env.incoming.socket.destroy();
        return c.body(null, 503);
      }
      return slackFaultAnswers.serverError(c);
    }
    if (mode.kind === 'terminal') return text(c, terminalStatus[mode.code], mode.code);
    if (forced.count > 0) {
      forced = { ...forced, count: forced.count - 1 };
      return slackFaultAnswers.rateLimited(c, forced.retryAfterSeconds);
    }
    const wait = take(webhook, at);
    if (wait > 0) return slackFaultAnswers.rateLimited(c, wait);
    let body: SlackMessageBody;
    try {
      body = JSON.parse(await c.req.text()) as SlackMessageBody;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new Error('shape');
      }
    } catch {
      return text(c, 400, 'invalid_payload');
    }
    const hasContent =
      (typeof body.text === 'string' && body.text.length > 0) ||
      (Array.isArray(body.blocks) && body.blocks.length > 0) ||
      (Array.isArray(body.attachments) && body.attachments.length > 0);
    if (!hasContent) return text(c, 400, 'no_text');
    if (Array.isArray(body.attachments) && body.attachments.length > 100) {
      return text(c, 400, 'too_many_attachments');
    }
    messages.push({ webhook, at, body });
    return text(c, 200, 'ok');
  });

  const server = await listen(app as unknown as Hono, options.port, () => closing.abort());
  const url = server.url;
  return {
    url,
    faults,
    webhookUrl: (name = 'BALERTS') =>
      `${url}/services/T0LOCAL/${name.startsWith('B') ? name : `B${name}`}/localsecret`,
    messages,
    attempts,
    setMode(mode, name) {
      if (name === undefined) {
        modes.clear();
        globalMode = mode;
      } else modes.set(name.startsWith('B') ? name : `B${name}`, mode);
    },
    rateLimitNext(count, retryAfterSeconds) {
      forced = { count, retryAfterSeconds };
    },
    close: server.close,
  };
}
