/**
 * Anthropic stand-in, `POST /v1/messages` — held to the Messages API reference and
 * `@anthropic-ai/sdk` (docs/load/provider-limits.md gives the sources and dates):
 * - auth: the key as `x-api-key` or `Authorization: Bearer` (what the SDK ≥ 1.x sends);
 *   `anthropic-version` required;
 * - every answer carries a `request-id` header; errors are `{type:"error", error:{type,
 *   message}, request_id}`;
 * - a tier's RPM / input-tokens-per-minute / output-tokens-per-minute as continuously refilling
 *   token buckets: input counts `input_tokens` + cache writes (not cache reads), output is
 *   reserved from `max_tokens` at admission and the unused part refunded at the end;
 * - headers `anthropic-ratelimit-{requests,input-tokens,output-tokens,tokens}-{limit,remaining,
 *   reset}` (token `remaining` rounded to the nearest thousand, `reset` RFC 3339: when the
 *   bucket is full again); 429 `rate_limit_error` + `retry-after` past a limit;
 * - the spend cap: 429 `rate_limit_error` with `error.details.error_code:
 *   "enforced_spend_limit_reached"` and no `retry-after`;
 * - `usage` with `cache_creation_input_tokens`, `cache_read_input_tokens`, `cache_creation.
 *   {ephemeral_5m_input_tokens, ephemeral_1h_input_tokens}`, `service_tier`; prompt caching of
 *   `system` blocks marked `cache_control` (5 min, or `ttl: "1h"`);
 * - `stream: true` answers server-sent events (`message_start`, `content_block_start`,
 *   `content_block_delta`, `content_block_stop`, `message_delta`, `message_stop`);
 * - fault switches (`MessagesFaults`) answer in Anthropic's shape: 500 `api_error`, 529
 *   `overloaded_error`, 429 `rate_limit_error`, a truncated body, or no answer.
 * Tokens are estimated as one per four characters (the stand-in has no tokenizer).
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { type TierLimits, TokenBucket } from '../../core/enrichment/token-bucket.ts';
import type { Ledger } from './ledger.ts';

export type MessagesFaultMode =
  'none' | 'server-error' | 'overloaded' | 'rate-limited' | 'malformed' | 'no-answer';

export interface MessagesFaults {
  mode: MessagesFaultMode;
  /** `retry-after` seconds with `rate-limited` (and with `overloaded` when > 0). */
  retryAfterSeconds: number;
  /** Added before every answer. */
  latencyMs: number;
  /** The next N requests answer with `mode` then it returns to `none` (0 = until changed). */
  count: number;
}

export interface MessagesStats {
  /** Requests admitted (200). */
  admitted: number;
  /** 429s for a bucket (not the spend cap, not injected faults). */
  rateLimited: number;
  /** Injected fault answers. */
  faulted: number;
}

export interface MessagesOptions {
  apiKey: string;
  ledger: Ledger;
  now: () => Date;
  buckets: TierBuckets;
  spendCap: { reached: boolean };
  faults: MessagesFaults;
  stats: MessagesStats;
  /** Output tokens a full answer has (capped by `max_tokens`); default 120. */
  answerTokens?: number;
  /** Simulated generation time per request, ms (mutable: tests and drills change it). */
  generation: { ms: number };
  closing: AbortSignal;
}

export function defaultMessagesFaults(): MessagesFaults {
  return { mode: 'none', retryAfterSeconds: 1, latencyMs: 0, count: 0 };
}

/** Tier 1 of the Nov-2025 table for Haiku/Sonnet-class models (docs/load/provider-limits.md). */
export const DEFAULT_TIER: TierLimits = {
  requestsPerMinute: 50,
  inputTokensPerMinute: 50_000,
  outputTokensPerMinute: 10_000,
};

const ANSWER_WORDS =
  'Senior operator in a growing B2B company; likely cares about pipeline quality, team time and tooling cost. Lead with a concrete outcome and a short question.'.split(
    ' ',
  );

export function errorBody(
  requestId: string,
  type: string,
  message: string,
  details?: Record<string, string>,
) {
  return {
    type: 'error',
    error: { type, message, ...(details ? { details } : {}) },
    request_id: requestId,
  };
}

export function newRequestId(): string {
  return `req_${randomBytes(12).toString('base64url')}`;
}

function estimateTokens(value: unknown): number {
  if (value === undefined || value === null) return 0;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Math.ceil(text.length / 4);
}

type Block = { type?: unknown; text?: unknown; cache_control?: { type?: unknown; ttl?: unknown } };

function validate(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return 'body: expected a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model === '') return 'model: Field required';
  if (typeof b.max_tokens !== 'number' || !Number.isInteger(b.max_tokens) || b.max_tokens < 1)
    return 'max_tokens: Field required (an integer ≥ 1)';
  if (!Array.isArray(b.messages) || b.messages.length === 0)
    return 'messages: at least one message is required';
  for (const [i, m] of b.messages.entries()) {
    const msg = m as { role?: unknown; content?: unknown };
    if (msg.role !== 'user' && msg.role !== 'assistant')
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (typeof msg.content !== 'string' && !Array.isArray(msg.content))
      return `messages.${i}.content: Input should be a string or a list of content blocks`;
  }
  if ((b.messages[0] as { role: string }).role !== 'user')
    return 'messages: first message must use the "user" role';
  if (b.system !== undefined && typeof b.system !== 'string' && !Array.isArray(b.system))
    return 'system: Input should be a string or a list of text blocks';
  if (b.stream !== undefined && typeof b.stream !== 'boolean')
    return 'stream: Input should be a boolean';
  return undefined;
}

/** The tier's three buckets; `set` switches tier (full buckets), as an upgrade would. */
export class TierBuckets {
  requests!: TokenBucket;
  input!: TokenBucket;
  output!: TokenBucket;

  constructor(tier: TierLimits, nowMs: number) {
    this.set(tier, nowMs);
  }

  set(tier: TierLimits, nowMs: number): void {
    this.requests = new TokenBucket(tier.requestsPerMinute, nowMs);
    this.input = new TokenBucket(tier.inputTokensPerMinute, nowMs);
    this.output = new TokenBucket(tier.outputTokensPerMinute, nowMs);
  }
}

export function messagesRoutes(o: MessagesOptions): Hono {
  const app = new Hono();
  const buckets = o.buckets;
  /** Prompt-cache entries: prefix digest → expiry (ms). */
  const cache = new Map<string, number>();
  const answerTokens = o.answerTokens ?? 120;

  function rateLimitHeaders(c: Context, nowMs: number): void {
    const rfc = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const thousand = (n: number) => String(Math.max(0, Math.round(n / 1000) * 1000));
    const set = (name: string, b: TokenBucket, remaining: string) => {
      c.header(`anthropic-ratelimit-${name}-limit`, String(b.capacity));
      c.header(`anthropic-ratelimit-${name}-remaining`, remaining);
      c.header(`anthropic-ratelimit-${name}-reset`, rfc(b.fullAtMs(nowMs)));
    };
    set(
      'requests',
      buckets.requests,
      String(Math.max(0, Math.floor(buckets.requests.level(nowMs)))),
    );
    set('input-tokens', buckets.input, thousand(buckets.input.level(nowMs)));
    set('output-tokens', buckets.output, thousand(buckets.output.level(nowMs)));
    // `tokens-*`: the most restrictive token limit in force (the one with less left).
    const tightest =
      buckets.input.level(nowMs) / buckets.input.capacity <=
      buckets.output.level(nowMs) / buckets.output.capacity
        ? buckets.input
        : buckets.output;
    set('tokens', tightest, thousand(tightest.level(nowMs)));
  }

  app.post('/v1/messages', async (c) => {
    const requestId = newRequestId();
    c.header('request-id', requestId);
    const fail = (
      status: 400 | 401 | 429 | 500 | 529,
      type: string,
      message: string,
      details?: Record<string, string>,
    ) => c.json(errorBody(requestId, type, message, details), status as never);

    const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const key = c.req.header('x-api-key') ?? bearer;
    if (key === undefined) return fail(401, 'authentication_error', 'x-api-key header is required');
    if (key !== o.apiKey) return fail(401, 'authentication_error', 'invalid x-api-key');
    if (c.req.header('anthropic-version') === undefined)
      return fail(400, 'invalid_request_error', 'anthropic-version: header is required');

    const fault = await applyFault(c, o, requestId);
    if (fault) return fault;

    if (o.spendCap.reached) {
      return fail(
        429,
        'rate_limit_error',
        'Your organization has reached its monthly spend limit.',
        {
          error_code: 'enforced_spend_limit_reached',
        },
      );
    }
    let body: Record<string, unknown>;
    try {
      body = (await c.req.json()) as Record<string, unknown>;
    } catch {
      return fail(400, 'invalid_request_error', 'body: the request body is not valid JSON');
    }
    const invalid = validate(body);
    if (invalid) return fail(400, 'invalid_request_error', invalid);
    const model = body.model as string;
    const maxTokens = body.max_tokens as number;

    // Prompt caching: the system blocks up to the last one marked `cache_control`.
    const system =
      typeof body.system === 'string'
        ? [{ type: 'text', text: body.system }]
        : ((body.system ?? []) as Block[]);
    const marked = system.findLastIndex((b) => b.cache_control !== undefined);
    const nowMs = o.now().getTime();
    let cacheWrite5m = 0;
    let cacheWrite1h = 0;
    let cacheRead = 0;
    let uncachedSystem = system;
    if (marked >= 0) {
      const prefix = system.slice(0, marked + 1);
      const tokens = estimateTokens(prefix.map((b) => b.text));
      const digest = createHash('sha256')
        .update(`${model}\n${JSON.stringify(prefix.map((b) => b.text))}`)
        .digest('hex');
      const ttlMs = system[marked]?.cache_control?.ttl === '1h' ? 3_600_000 : 300_000;
      if ((cache.get(digest) ?? 0) > nowMs) cacheRead = tokens;
      else if (ttlMs === 3_600_000) cacheWrite1h = tokens;
      else cacheWrite5m = tokens;
      cache.set(digest, nowMs + ttlMs);
      uncachedSystem = system.slice(marked + 1);
    }
    const inputTokens = Math.max(
      1,
      estimateTokens(body.messages) + estimateTokens(uncachedSystem.map((b) => b.text)),
    );
    const itpmCost = inputTokens + cacheWrite5m + cacheWrite1h;

    // Admission: every bucket must hold this request's share.
    const waits = [
      buckets.requests.waitMs(1, nowMs),
      buckets.input.waitMs(itpmCost, nowMs),
      buckets.output.waitMs(maxTokens, nowMs),
    ];
    const waitMs = Math.max(...waits);
    if (waitMs > 0) {
      o.stats.rateLimited += 1;
      rateLimitHeaders(c, nowMs);
      const which = ['requests', 'input tokens', 'output tokens'][waits.indexOf(waitMs)];
      if (Number.isFinite(waitMs))
        c.header('retry-after', String(Math.max(1, Math.ceil(waitMs / 1000))));
      return fail(
        429,
        'rate_limit_error',
        Number.isFinite(waitMs)
          ? `This request would exceed the rate limit for your organization of ${which} per minute. Please reduce the prompt length or the maximum tokens requested, or try again later.`
          : `This request needs more ${which} than your per-minute limit allows: reduce it.`,
      );
    }
    buckets.requests.tryTake(1, nowMs);
    buckets.input.tryTake(itpmCost, nowMs);
    buckets.output.tryTake(maxTokens, nowMs);
    o.stats.admitted += 1;

    if (o.generation.ms > 0) await new Promise((r) => setTimeout(r, o.generation.ms));
    const outputTokens = Math.min(maxTokens, answerTokens);
    const doneMs = o.now().getTime();
    buckets.output.adjust(maxTokens - outputTokens, doneMs);
    o.ledger.record({
      at: new Date(doneMs),
      model,
      uncachedInputTokens: inputTokens,
      outputTokens,
      cacheReadInputTokens: cacheRead,
      cacheCreation5mInputTokens: cacheWrite5m,
      cacheCreation1hInputTokens: cacheWrite1h,
    });
    rateLimitHeaders(c, doneMs);
    const text = answerText(outputTokens);
    const usage = {
      input_tokens: inputTokens,
      cache_creation_input_tokens: cacheWrite5m + cacheWrite1h,
      cache_read_input_tokens: cacheRead,
      cache_creation: {
        ephemeral_5m_input_tokens: cacheWrite5m,
        ephemeral_1h_input_tokens: cacheWrite1h,
      },
      output_tokens: outputTokens,
      server_tool_use: null,
      service_tier: 'standard',
    };
    const stopReason = outputTokens < maxTokens ? 'end_turn' : 'max_tokens';
    const id = `msg_${randomBytes(12).toString('base64url')}`;
    if (body.stream === true) {
      return streamSSE(c, async (s) => {
        const send = (event: string, data: object) =>
          s.writeSSE({ event, data: JSON.stringify({ type: event, ...data }) });
        await send('message_start', {
          message: {
            id,
            type: 'message',
            role: 'assistant',
            model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { ...usage, output_tokens: 1 },
          },
        });
        await send('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
        for (const piece of text.match(/.{1,24}/gs) ?? []) {
          await send('content_block_delta', {
            index: 0,
            delta: { type: 'text_delta', text: piece },
          });
        }
        await send('content_block_stop', { index: 0 });
        await send('message_delta', {
          delta: { stop_reason: stopReason, stop_sequence: null },
          usage: { output_tokens: outputTokens },
        });
        await send('message_stop', {});
      });
    }
    return c.json({
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text }],
      stop_reason: stopReason,
      stop_sequence: null,
      usage,
    });
  });
  return app;
}

/** A deterministic answer of about `tokens` tokens (four characters each). */
function answerText(tokens: number): string {
  const words: string[] = [];
  let length = 0;
  for (let i = 0; length < tokens * 4 - 5; i += 1) {
    const w = ANSWER_WORDS[i % ANSWER_WORDS.length]!;
    words.push(w);
    length += w.length + 1;
  }
  return words.join(' ').slice(0, Math.max(1, tokens * 4));
}

/** Fault switches in Anthropic's error shape; undefined when no fault applies. */
export async function applyFault(
  c: Context,
  o: Pick<MessagesOptions, 'faults' | 'stats' | 'closing'>,
  requestId: string,
): Promise<Response | undefined> {
  const f = o.faults;
  if (f.latencyMs > 0) await new Promise((r) => setTimeout(r, f.latencyMs));
  if (f.mode === 'none') return undefined;
  const mode = f.mode;
  if (f.count > 0) {
    f.count -= 1;
    if (f.count === 0) f.mode = 'none';
  }
  o.stats.faulted += 1;
  c.header('request-id', requestId);
  switch (mode) {
    case 'server-error':
      return c.json(errorBody(requestId, 'api_error', 'Internal server error'), 500);
    case 'overloaded':
      if (f.retryAfterSeconds > 0) c.header('retry-after', String(f.retryAfterSeconds));
      return c.json(errorBody(requestId, 'overloaded_error', 'Overloaded'), 529 as never);
    case 'rate-limited':
      c.header('retry-after', String(f.retryAfterSeconds));
      return c.json(
        errorBody(
          requestId,
          'rate_limit_error',
          'Number of request tokens has exceeded your per-minute rate limit',
        ),
        429,
      );
    case 'malformed':
      return c.body('{"type":"message","content":[{"type":"te', 200, {
        'content-type': 'application/json',
      });
    case 'no-answer':
      await new Promise<void>((resolve) => {
        if (o.closing.aborted) resolve();
        o.closing.addEventListener('abort', () => resolve());
      });
      return c.body(null, 503);
  }
}
