import { anthropicSdk } from './sdk.ts';
import { sumCentsAmounts } from '../../core/cost.ts';
import * as z from 'zod';
import { expectShape, ProviderReadError, readJson } from '../http/read-json.ts';

/**
 * Anthropic Admin API cost and usage reports (`GET /v1/organizations/cost_report` and
 * `/usage_report/messages`, docs/providers/anthropic.md):
 * admin key in `x-api-key`, `anthropic-version: 2023-06-01`, daily buckets, paged with
 * `has_more`/`next_page`, `amount` a decimal string in cents. Through `readJson` with zod
 * shapes: `@anthropic-ai/sdk` does not cover these two Admin API reports. The spend-cap probe
 * is a real message, so it goes through the SDK.
 */
export interface AnthropicAdminOptions {
  baseUrl: string;
  adminKey: string;
  timeoutMs?: number;
}

/** The documented `token_type` values; anything else means the report changed shape. */
const tokenType = z.enum([
  'uncached_input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'cache_creation.ephemeral_5m_input_tokens',
  'cache_creation.ephemeral_1h_input_tokens',
]);
const costPage = z.object({
  data: z.array(
    z.object({
      results: z.array(z.object({ amount: z.string(), token_type: tokenType.nullish() })),
    }),
  ),
  has_more: z.boolean(),
  next_page: z.string().nullish(),
});

/** Total USD billed between two instants (whole days from `from`), summing every page. */
export async function anthropicCostUsd(
  options: AnthropicAdminOptions,
  from: Date,
  to: Date,
): Promise<{ usd: number; days: number }> {
  const source = 'anthropic cost_report';
  const base = options.baseUrl.replace(/\/+$/, '');
  const amounts: string[] = [];
  let days = 0;
  let page: string | null = null;
  for (let guard = 0; guard < 20; guard += 1) {
    const query = new URLSearchParams({
      starting_at: from.toISOString(),
      ending_at: to.toISOString(),
      bucket_width: '1d',
      limit: '31',
    });
    if (page) query.set('page', page);
    const { body } = await readJson(
      `${base}/v1/organizations/cost_report?${query}`,
      { headers: { 'x-api-key': options.adminKey, 'anthropic-version': '2023-06-01' } },
      { source, timeoutMs: options.timeoutMs },
    );
    const parsed = expectShape(
      source,
      body,
      costPage,
      'data buckets with string amounts and documented token types',
    );
    for (const bucket of parsed.data) {
      days += 1;
      for (const r of bucket.results) amounts.push(r.amount);
    }
    if (!parsed.has_more || !parsed.next_page) {
      try {
        return { usd: sumCentsAmounts(amounts), days };
      } catch (error) {
        throw new ProviderReadError(
          source,
          'malformed',
          `${source} has an amount that is not a decimal string of cents`,
          { cause: error },
        );
      }
    }
    page = parsed.next_page;
  }
  throw new ProviderReadError(source, 'malformed', `${source} kept paging past 20 pages`);
}

/** The error body of Anthropic's spend-cap 429 (`error.details.error_code`). */
const spendCapError = z.object({
  error: z.object({ details: z.object({ error_code: z.string() }) }),
});

/** Tokens one model used over a period (usage_report, all token kinds kept apart). */
export interface ModelTokens {
  model: string;
  /** `uncached_input_tokens`. */
  inputTokens: number;
  /** `cache_creation.ephemeral_5m_input_tokens` + `cache_creation.ephemeral_1h_input_tokens`. */
  cacheWriteTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
}

const tokenCount = z.number().int().nonnegative();
/**
 * One usage row as documented: cache writes nested under `cache_creation` by cache lifetime.
 * Required, not optional: a missing count would silently read as zero tokens.
 */
const usageRow = z.object({
  model: z.string().nullable(),
  uncached_input_tokens: tokenCount,
  cache_creation: z.object({
    ephemeral_5m_input_tokens: tokenCount,
    ephemeral_1h_input_tokens: tokenCount,
  }),
  cache_read_input_tokens: tokenCount,
  output_tokens: tokenCount,
});
const usagePage = z.object({
  data: z.array(z.object({ results: z.array(usageRow) })),
  has_more: z.boolean(),
  next_page: z.string().nullish(),
});

/**
 * Tokens per model between two instants (`GET /v1/organizations/usage_report/messages`,
 * daily buckets grouped by model, every page), largest output first.
 */
export async function anthropicUsageByModel(
  options: AnthropicAdminOptions,
  from: Date,
  to: Date,
): Promise<ModelTokens[]> {
  const source = 'anthropic usage_report';
  const base = options.baseUrl.replace(/\/+$/, '');
  const byModel = new Map<string, ModelTokens>();
  let page: string | null = null;
  for (let guard = 0; guard < 20; guard += 1) {
    const query = new URLSearchParams({
      starting_at: from.toISOString(),
      ending_at: to.toISOString(),
      bucket_width: '1d',
      limit: '31',
    });
    query.append('group_by[]', 'model');
    if (page) query.set('page', page);
    const { body } = await readJson(
      `${base}/v1/organizations/usage_report/messages?${query}`,
      { headers: { 'x-api-key': options.adminKey, 'anthropic-version': '2023-06-01' } },
      { source, timeoutMs: options.timeoutMs },
    );
    const parsed = expectShape(
      source,
      body,
      usagePage,
      'data buckets of token counts by model (cache writes under cache_creation)',
    );
    for (const bucket of parsed.data) {
      for (const r of bucket.results) {
        const model = r.model ?? 'all models';
        const t = byModel.get(model) ?? {
          model,
          inputTokens: 0,
          cacheWriteTokens: 0,
          cacheReadTokens: 0,
          outputTokens: 0,
        };
        t.inputTokens += r.uncached_input_tokens;
        t.cacheWriteTokens +=
          r.cache_creation.ephemeral_5m_input_tokens + r.cache_creation.ephemeral_1h_input_tokens;
        t.cacheReadTokens += r.cache_read_input_tokens;
        t.outputTokens += r.output_tokens;
        byModel.set(model, t);
      }
    }
    if (!parsed.has_more || !parsed.next_page)
      return [...byModel.values()].sort((a, b) => b.outputTokens - a.outputTokens);
    page = parsed.next_page;
  }
  throw new ProviderReadError(source, 'malformed', `${source} kept paging past 20 pages`);
}

/**
 * Is the organisation stopped by its monthly spend cap? A 1-token message through
 * `@anthropic-ai/sdk` answers 429 `enforced_spend_limit_reached` (no `retry-after`) until the
 * 1st of next month (docs/providers/anthropic.md): that is an alert, never a retry, so the SDK's
 * retries are off and this makes exactly one attempt. Other failures become the same
 * `ProviderReadError` reasons as every provider read.
 */
export async function anthropicSpendCapReached(options: {
  baseUrl: string;
  apiKey: string;
  model?: string;
  timeoutMs?: number;
}): Promise<boolean> {
  const source = 'anthropic messages';
  const Anthropic = await anthropicSdk();
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseUrl.replace(/\/+$/, ''),
    maxRetries: 0,
    timeout: options.timeoutMs ?? 10_000,
  });
  try {
    await client.messages.create({
      model: options.model ?? 'claude-haiku-4-5',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'ping' }],
    });
    return false;
  } catch (error) {
    if (error instanceof Anthropic.APIConnectionTimeoutError) {
      throw new ProviderReadError(source, 'timeout', `${source} did not answer in time`, {
        cause: error,
      });
    }
    if (error instanceof Anthropic.APIConnectionError) {
      throw new ProviderReadError(source, 'unreachable', `${source} is unreachable`, {
        cause: error,
      });
    }
    if (!(error instanceof Anthropic.APIError) || error.status === undefined) {
      throw new ProviderReadError(source, 'malformed', `${source} failed unexpectedly`, {
        cause: error,
      });
    }
    const code = spendCapError.safeParse(error.error).data?.error.details.error_code;
    if (error.status === 429 && code === 'enforced_spend_limit_reached') return true;
    if (error.status === 429) return false; // an ordinary rate limit is not the spend cap
    throw new ProviderReadError(
      source,
      error.status >= 500 ? 'server-error' : 'refused',
      `${source} answered HTTP ${error.status}`,
      { status: error.status, cause: error },
    );
  }
}
