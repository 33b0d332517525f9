/**
 * Slack incoming-webhook stand-in. Follows docs.slack.dev "Sending messages using incoming
 * webhooks" (POST JSON `{text, blocks?, attachments?}` → 200 `ok`; errors as 4xx with a plain
 * text code, see "Handling errors") and api.slack.com/docs/rate-limits (about one message per
 * second per webhook, short bursts allowed, then 429 with `Retry-After` in seconds).
 * HTTP statuses per code follow Slack's 2016-05-17 changelog "Changes to errors for incoming
 * webhooks" (400 payload, 403 forbidden, 404 not found, 410 archived).
 *
 * Knobs: `setMode` switches a webhook (or all) to an outage (503, or connection reset) or to a
 * terminal error; `rateLimitNext` forces 429s. Every attempt and every accepted message is
 * recorded for tests and drills. Time comes from `now` so tests can compress it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const at = now();
    const match = WEBHOOK_PATH.exec(req.url ?? '');
    const webhook = match?.[2] ?? '';
    const reply = (status: number, body: string, retryAfter?: number) => {
      attempts.push({ webhook, at, status, body, ...(retryAfter ? { retryAfter } : {}) });
      const headers: Record<string, string> = { 'content-type': 'text/html' };
      if (retryAfter) headers['retry-after'] = String(retryAfter);
      res.writeHead(status, headers).end(body);
    };
    if (req.method !== 'POST') return reply(405, 'invalid_method');
    if (!match) return reply(404, 'no_service');
    const mode = modes.get(webhook) ?? globalMode;
    if (mode.kind === 'outage') {
      if (mode.style === 'reset') {
        attempts.push({ webhook, at, status: 'reset', body: '' });
        req.socket.destroy();
        return;
      }
      return reply(503, 'service_unavailable');
    }
    if (mode.kind === 'terminal') return reply(terminalStatus[mode.code], mode.code);
    if (forced.count > 0) {
      forced = { ...forced, count: forced.count - 1 };
      return reply(429, 'rate_limited', forced.retryAfterSeconds);
    }
    const wait = take(webhook, at);
    if (wait > 0) return reply(429, 'rate_limited', wait);
    let body: SlackMessageBody;
    try {
      body = JSON.parse(raw) as SlackMessageBody;
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw new Error('shape');
    } catch {
      return reply(400, 'invalid_payload');
    }
    const hasContent =
      (typeof body.text === 'string' && body.text.length > 0) ||
      (Array.isArray(body.blocks) && body.blocks.length > 0) ||
      (Array.isArray(body.attachments) && body.attachments.length > 0);
    if (!hasContent) return reply(400, 'no_text');
    if (Array.isArray(body.attachments) && body.attachments.length > 100) {
      return reply(400, 'too_many_attachments');
    }
    messages.push({ webhook, at, body });
    return reply(200, 'ok');
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
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
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
