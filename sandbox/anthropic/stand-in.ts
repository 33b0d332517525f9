/**
 * Anthropic stand-in: `POST /v1/messages` (`messages.ts`: tier token buckets, rate-limit
 * headers, the spend-cap 429, 529, streaming; every message recorded in the ledger) and the
 * Admin API reports computed from that ledger.
 *
 * Follows the Anthropic docs (docs/load/provider-limits.md for the messages side):
 * - `GET /v1/organizations/cost_report` (`starting_at` required, `ending_at`, `bucket_width=1d`
 *   only, `limit` 1–31 default 7, `group_by[]` of `workspace_id`/`description`, `page`);
 *   `amount` is a decimal string in cents (claude-docs 651-cost-api.md);
 * - `GET /v1/organizations/usage_report/messages` (`bucket_width` 1m/1h/1d with their limits,
 *   `group_by[]=model`, `page`), each row shaped as documented: cache writes nested under
 *   `cache_creation` (`ephemeral_5m_input_tokens`, `ephemeral_1h_input_tokens`); the cost
 *   report's `token_type` takes the documented values (`cache_creation.ephemeral_5m_input_tokens`
 *   …, `TOKEN_TYPES` in ledger.ts); both page with `has_more` + `next_page`;
 * - admin endpoints need an admin key (`sk-ant-admin…`).
 * Fault knobs: `faults` on the admin endpoints, `messagesFaults` on messages, both answered in
 * Anthropic's error shape; `spendCap.reached` on messages.
 */
import { type Context, Hono } from 'hono';
import type { MiddlewareHandler } from 'hono';
import type { TierLimits } from '../../core/enrichment/token-bucket.ts';
import { defaultFaults, type HttpFaults, listen } from '../http-faults.ts';
import {
  applyFault,
  DEFAULT_TIER,
  defaultMessagesFaults,
  errorBody as anthropicError,
  type MessagesFaults,
  type MessagesStats,
  messagesRoutes,
  newRequestId,
  TierBuckets,
} from './messages.ts';
import { entryCostCents, Ledger } from './ledger.ts';

export interface AnthropicStandInOptions {
  apiKey: string;
  adminKey: string;
  port?: number;
  now?: () => Date;
  /** The tier `/v1/messages` enforces (default `DEFAULT_TIER`). */
  tier?: Partial<TierLimits>;
  /** Shorthand for `tier.requestsPerMinute`. */
  requestsPerMinute?: number;
  /** Output tokens of a full answer (default 120). */
  answerTokens?: number;
  /** Simulated generation time per message, ms. */
  generationMs?: number;
}

export interface AnthropicStandIn {
  url: string;
  ledger: Ledger;
  /** Admin-report faults. */
  faults: HttpFaults;
  /** When true, `/v1/messages` answers the spend-cap 429 until the next month. */
  spendCap: { reached: boolean };
  /** The limits `/v1/messages` enforces; `setTier` changes them (full buckets). */
  tier: TierLimits;
  setTier(limits: TierLimits): void;
  /** `/v1/messages` fault switches (Anthropic's error shapes, 529 included). */
  messagesFaults: MessagesFaults;
  messagesStats: MessagesStats;
  /** Simulated generation time per message (ms), mutable. */
  generation: { ms: number };
  close(): Promise<void>;
}

/** One row of `usage_report/messages`, as the API reference documents it. */
interface UsageRow {
  uncached_input_tokens: number;
  cache_creation: { ephemeral_1h_input_tokens: number; ephemeral_5m_input_tokens: number };
  cache_read_input_tokens: number;
  output_tokens: number;
  server_tool_use: { web_search_requests: number };
  api_key_id: string | null;
  workspace_id: string | null;
  model: string | null;
  service_tier: string | null;
  context_window: string | null;
}

const BUCKET_MS = { '1d': 86_400_000, '1h': 3_600_000, '1m': 60_000 } as const;
const LIMITS = { '1d': [7, 31], '1h': [24, 168], '1m': [60, 1440] } as const;

function errorBody(type: string, message: string, details?: Record<string, string>) {
  return anthropicError(newRequestId(), type, message, details);
}

/** The shared `HttpFaults` knobs, answered as Anthropic answers (500 `api_error`, 429 …). */
function anthropicFaults(
  faults: HttpFaults,
  stats: MessagesStats,
  closing: AbortSignal,
): MiddlewareHandler {
  return async (c, next) => {
    const requestId = newRequestId();
    c.header('request-id', requestId);
    const fault = await applyFault(
      c,
      {
        faults: {
          mode: faults.mode === 'none' ? 'none' : faults.mode,
          retryAfterSeconds: faults.retryAfterSeconds,
          latencyMs: faults.latencyMs,
          count: 0,
        },
        stats,
        closing,
      },
      requestId,
    );
    return fault ?? next();
  };
}

export async function startAnthropicStandIn(
  options: AnthropicStandInOptions,
): Promise<AnthropicStandIn> {
  const now = options.now ?? (() => new Date());
  const ledger = new Ledger();
  const faults = defaultFaults();
  const spendCap = { reached: false };
  const tier: TierLimits = {
    ...DEFAULT_TIER,
    ...options.tier,
    ...(options.requestsPerMinute ? { requestsPerMinute: options.requestsPerMinute } : {}),
  };
  const tierBuckets = new TierBuckets(tier, now().getTime());
  const messagesFaults = defaultMessagesFaults();
  const generation = { ms: options.generationMs ?? 0 };
  const messagesStats: MessagesStats = { admitted: 0, rateLimited: 0, faulted: 0 };
  const closing = new AbortController();
  const app = new Hono();

  app.route(
    '/',
    messagesRoutes({
      apiKey: options.apiKey,
      ledger,
      now,
      buckets: tierBuckets,
      spendCap,
      faults: messagesFaults,
      stats: messagesStats,
      answerTokens: options.answerTokens,
      generation,
      closing: closing.signal,
    }),
  );

  const admin = new Hono();
  // The admin knobs answer in Anthropic's error shape too (`anthropicFaults`).
  admin.use('*', anthropicFaults(faults, messagesStats, closing.signal));
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
      const groups = new Map<string, UsageRow>();
      for (const e of ledger.between(start, end)) {
        const key = byModel ? e.model : 'all';
        const g: UsageRow = groups.get(key) ?? {
          uncached_input_tokens: 0,
          cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
          cache_read_input_tokens: 0,
          output_tokens: 0,
          server_tool_use: { web_search_requests: 0 },
          api_key_id: null,
          workspace_id: null,
          model: byModel ? e.model : null,
          service_tier: null,
          context_window: null,
        };
        g.uncached_input_tokens += e.uncachedInputTokens;
        g.cache_read_input_tokens += e.cacheReadInputTokens;
        g.cache_creation.ephemeral_5m_input_tokens += e.cacheCreation5mInputTokens;
        g.cache_creation.ephemeral_1h_input_tokens += e.cacheCreation1hInputTokens;
        g.output_tokens += e.outputTokens;
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
  return {
    url: server.url,
    ledger,
    faults,
    spendCap,
    tier,
    messagesFaults,
    messagesStats,
    generation,
    setTier: (limits) => {
      Object.assign(tier, limits);
      tierBuckets.set(tier, now().getTime());
    },
    close: server.close,
  };
}
