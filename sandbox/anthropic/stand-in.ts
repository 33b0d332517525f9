/**
 * Anthropic stand-in: `POST /v1/messages` (usage recorded in a ledger, rate-limit headers,
 * a switchable spend-cap error) and the Admin API reports computed from that ledger.
 *
 * Follows the Anthropic docs as summarised in /work/shared/reference/providers.md §1:
 * - messages: `x-api-key` + `anthropic-version`; `anthropic-ratelimit-{requests,input-tokens,
 *   output-tokens}-{limit,remaining,reset}` headers (reset RFC 3339, token remaining rounded to
 *   1 000); errors `{type:"error", error:{type, message}, request_id}`;
 * - spend cap: 429 `rate_limit_error` with `error.details.error_code:
 *   "enforced_spend_limit_reached"` and no `retry-after` (platform docs, rate limits, 2026);
 * - `GET /v1/organizations/cost_report` (`starting_at` required, `ending_at`, `bucket_width=1d`
 *   only, `limit` 1–31 default 7, `group_by[]` of `workspace_id`/`description`, `page`);
 *   `amount` is a decimal string in cents (claude-docs 651-cost-api.md);
 * - `GET /v1/organizations/usage_report/messages` (`bucket_width` 1m/1h/1d with their limits,
 *   `group_by[]=model`, `page`); both page with `has_more` + `next_page`;
 * - admin endpoints need an admin key (`sk-ant-admin…`).
 * Fault knobs (`faults`) apply to the admin endpoints; `spendCapReached` to messages.
 */
import { type Context, Hono } from 'hono';
import { defaultFaults, faultMiddleware, type HttpFaults, listen } from '../http-faults.ts';
import { entryCostCents, Ledger } from './ledger.ts';

export interface AnthropicStandInOptions {
  apiKey: string;
  adminKey: string;
  port?: number;
  now?: () => Date;
  /** Requests per minute reported (and enforced) on `/v1/messages`. */
  requestsPerMinute?: number;
}

export interface AnthropicStandIn {
  url: string;
  ledger: Ledger;
  /** Admin-report faults. */
  faults: HttpFaults;
  /** When true, `/v1/messages` answers the spend-cap 429 until the next month. */
  spendCap: { reached: boolean };
  close(): Promise<void>;
}

const BUCKET_MS = { '1d': 86_400_000, '1h': 3_600_000, '1m': 60_000 } as const;
const LIMITS = { '1d': [7, 31], '1h': [24, 168], '1m': [60, 1440] } as const;

function errorBody(type: string, message: string, details?: Record<string, string>) {
  return {
    type: 'error',
    error: { type, message, ...(details ? { details } : {}) },
    request_id: `req_stand_in_${Math.random().toString(36).slice(2, 12)}`,
  };
}

export async function startAnthropicStandIn(
  options: AnthropicStandInOptions,
): Promise<AnthropicStandIn> {
  const now = options.now ?? (() => new Date());
  const ledger = new Ledger();
  const faults = defaultFaults();
  const spendCap = { reached: false };
  const rpm = options.requestsPerMinute ?? 1000;
  const recent: number[] = [];
  const closing = new AbortController();
  const app = new Hono();

  app.post('/v1/messages', async (c) => {
    if (c.req.header('x-api-key') !== options.apiKey) {
      return c.json(errorBody('authentication_error', 'invalid x-api-key'), 401);
    }
    if (spendCap.reached) {
      return c.json(
        errorBody('rate_limit_error', 'Your organization has reached its monthly spend limit.', {
          error_code: 'enforced_spend_limit_reached',
        }),
        429,
      );
    }
    const body = (await c.req.json().catch(() => undefined)) as
      { model?: unknown; max_tokens?: unknown; messages?: unknown } | undefined;
    if (
      !body ||
      typeof body.model !== 'string' ||
      typeof body.max_tokens !== 'number' ||
      !Array.isArray(body.messages)
    ) {
      return c.json(
        errorBody('invalid_request_error', 'model, max_tokens and messages are required'),
        400,
      );
    }
    const at = now();
    const windowStart = at.getTime() - 60_000;
    while (recent.length > 0 && recent[0]! < windowStart) recent.shift();
    const reset = new Date(at.getTime() + 60_000).toISOString();
    c.header('anthropic-ratelimit-requests-limit', String(rpm));
    c.header('anthropic-ratelimit-requests-reset', reset);
    if (recent.length >= rpm) {
      c.header('anthropic-ratelimit-requests-remaining', '0');
      c.header(
        'retry-after',
        String(Math.max(1, Math.ceil((recent[0]! + 60_000 - at.getTime()) / 1000))),
      );
      return c.json(
        errorBody('rate_limit_error', 'Number of requests has exceeded your rate limit.'),
        429,
      );
    }
    recent.push(at.getTime());
    c.header('anthropic-ratelimit-requests-remaining', String(rpm - recent.length));
    const inputTokens = Math.max(1, Math.ceil(JSON.stringify(body.messages).length / 4));
    const outputTokens = Math.min(body.max_tokens, 16);
    ledger.record({ at, model: body.model, uncachedInputTokens: inputTokens, outputTokens });
    return c.json({
      id: `msg_${Math.random().toString(36).slice(2, 14)}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: outputTokens < body.max_tokens ? 'end_turn' : 'max_tokens',
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens },
    });
  });

  const admin = new Hono();
  admin.use('*', faultMiddleware(faults, closing.signal));
  admin.use('*', async (c, next) => {
    const key = c.req.header('x-api-key');
    if (key !== options.adminKey || !key.startsWith('sk-ant-admin')) {
      return c.json(
        errorBody('authentication_error', 'an Admin API key (sk-ant-admin…) is required'),
        401,
      );
    }
    return next();
  });

  /** Common parsing: buckets from `page` (or `starting_at`) to `ending_at`, `limit` of them. */
  function buckets(c: Context, allowed: readonly (keyof typeof BUCKET_MS)[]) {
    const width = (c.req.query('bucket_width') ?? '1d') as keyof typeof BUCKET_MS;
    if (!allowed.includes(width))
      return { error: `bucket_width must be one of ${allowed.join(', ')}` };
    const startingAt = Date.parse(c.req.query('starting_at') ?? '');
    if (Number.isNaN(startingAt)) return { error: 'starting_at (RFC 3339) is required' };
    const endingParam = c.req.query('ending_at');
    const endingAt = endingParam === undefined ? now().getTime() : Date.parse(endingParam);
    if (Number.isNaN(endingAt) || endingAt <= startingAt)
      return { error: 'ending_at must be after starting_at' };
    const [defaultLimit, maxLimit] = LIMITS[width];
    const limit = Number(c.req.query('limit') ?? defaultLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit)
      return { error: `limit must be 1–${maxLimit}` };
    const page = c.req.query('page');
    const from = page === undefined ? startingAt : Date.parse(page);
    if (Number.isNaN(from)) return { error: 'invalid page' };
    const list: Array<{ start: Date; end: Date }> = [];
    let t = from;
    while (t < endingAt && list.length < limit) {
      list.push({ start: new Date(t), end: new Date(Math.min(t + BUCKET_MS[width], endingAt)) });
      t += BUCKET_MS[width];
    }
    return {
      list,
      hasMore: t < endingAt,
      nextPage: t < endingAt ? new Date(t).toISOString() : null,
    };
  }

  admin.get('/cost_report', (c) => {
    const b = buckets(c, ['1d']);
    if ('error' in b) return c.json(errorBody('invalid_request_error', b.error ?? 'invalid'), 400);
    const byDescription = c.req.queries('group_by[]')?.includes('description') ?? false;
    const data = b.list.map(({ start, end }) => {
      const totals = new Map<
        string,
        { model: string | null; tokenType: string | null; cents: number }
      >();
      for (const entry of ledger.between(start, end)) {
        for (const [tokenType, cents] of Object.entries(entryCostCents(entry))) {
          const key = byDescription ? `${entry.model}|${tokenType}` : 'all';
          const t = totals.get(key) ?? {
            model: byDescription ? entry.model : null,
            tokenType: byDescription ? tokenType : null,
            cents: 0,
          };
          t.cents += cents;
          totals.set(key, t);
        }
      }
      return {
        starting_at: start.toISOString(),
        ending_at: end.toISOString(),
        results: [...totals.values()].map((t) => ({
          currency: 'USD',
          amount: t.cents.toFixed(4).replace(/\.?0+$/, '') || '0',
          workspace_id: null,
          description: byDescription ? `${t.model} ${t.tokenType}` : null,
          cost_type: 'tokens',
          context_window: null,
          model: t.model,
          service_tier: null,
          token_type: t.tokenType,
        })),
      };
    });
    return c.json({ data, has_more: b.hasMore, next_page: b.nextPage });
  });

  admin.get('/usage_report/messages', (c) => {
    const b = buckets(c, ['1d', '1h', '1m']);
    if ('error' in b) return c.json(errorBody('invalid_request_error', b.error ?? 'invalid'), 400);
    const byModel = c.req.queries('group_by[]')?.includes('model') ?? false;
    const data = b.list.map(({ start, end }) => {
      const groups = new Map<string, Record<string, number | string | null | object>>();
      for (const e of ledger.between(start, end)) {
        const key = byModel ? e.model : 'all';
        const g = groups.get(key) ?? {
          model: byModel ? e.model : null,
          uncached_input_tokens: 0,
          cache_read_input_tokens: 0,
          cache_creation_5m_input_tokens: 0,
          cache_creation_1h_input_tokens: 0,
          output_tokens: 0,
          server_tool_use: { web_search_requests: 0 },
        };
        g.uncached_input_tokens = Number(g.uncached_input_tokens) + e.uncachedInputTokens;
        g.cache_read_input_tokens = Number(g.cache_read_input_tokens) + e.cacheReadInputTokens;
        g.cache_creation_5m_input_tokens =
          Number(g.cache_creation_5m_input_tokens) + e.cacheCreation5mInputTokens;
        g.output_tokens = Number(g.output_tokens) + e.outputTokens;
        groups.set(key, g);
      }
      return {
        starting_at: start.toISOString(),
        ending_at: end.toISOString(),
        results: [...groups.values()],
      };
    });
    return c.json({ data, has_more: b.hasMore, next_page: b.nextPage });
  });

  app.route('/v1/organizations', admin);
  const server = await listen(app, options.port, () => closing.abort());
  return { url: server.url, ledger, faults, spendCap, close: server.close };
}
