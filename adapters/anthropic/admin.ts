import { sumCentsAmounts } from '../../core/cost.ts';
import { expectShape, isRecord, ProviderReadError, readJson } from '../http/read-json.ts';

/**
 * Anthropic Admin API cost and usage reports (`GET /v1/organizations/cost_report` and
 * `/usage_report/messages`, providers.md §1.5):
 * admin key in `x-api-key`, `anthropic-version: 2023-06-01`, daily buckets, paged with
 * `has_more`/`next_page`, `amount` a decimal string in cents. Plain `fetch`: the SDK does not
 * cover the Admin API reports.
 */
export interface AnthropicAdminOptions {
  baseUrl: string;
  adminKey: string;
  timeoutMs?: number;
}

interface CostPage {
  data: Array<{ starting_at: string; results: Array<{ amount: string }> }>;
  has_more: boolean;
  next_page: string | null;
}

const isCostPage = (b: unknown): b is CostPage =>
  isRecord(b) &&
  Array.isArray(b.data) &&
  typeof b.has_more === 'boolean' &&
  b.data.every(
    (d) =>
      isRecord(d) &&
      Array.isArray(d.results) &&
      d.results.every((r) => isRecord(r) && typeof r.amount === 'string'),
  );

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
    const parsed = expectShape(source, body, isCostPage, 'data buckets with string amounts');
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

/** Tokens one model used over a period (usage_report, all token kinds kept apart). */
export interface ModelTokens {
  model: string;
  /** `uncached_input_tokens`. */
  inputTokens: number;
  /** `cache_creation_5m_input_tokens` + `cache_creation_1h_input_tokens`. */
  cacheWriteTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
}

interface UsagePage {
  data: Array<{ results: Array<Record<string, unknown>> }>;
  has_more: boolean;
  next_page: string | null;
}

const TOKEN_FIELDS = [
  'uncached_input_tokens',
  'cache_creation_5m_input_tokens',
  'cache_creation_1h_input_tokens',
  'cache_read_input_tokens',
  'output_tokens',
] as const;

const isUsagePage = (b: unknown): b is UsagePage =>
  isRecord(b) &&
  Array.isArray(b.data) &&
  typeof b.has_more === 'boolean' &&
  b.data.every(
    (d) =>
      isRecord(d) &&
      Array.isArray(d.results) &&
      d.results.every(
        (r) =>
          isRecord(r) &&
          typeof r.model === 'string' &&
          TOKEN_FIELDS.every((f) => r[f] === undefined || typeof r[f] === 'number'),
      ),
  );

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
    const parsed = expectShape(source, body, isUsagePage, 'data buckets of token counts by model');
    for (const bucket of parsed.data) {
      for (const r of bucket.results) {
        const n = (f: (typeof TOKEN_FIELDS)[number]) => Number(r[f] ?? 0);
        const model = String(r.model);
        const t = byModel.get(model) ?? {
          model,
          inputTokens: 0,
          cacheWriteTokens: 0,
          cacheReadTokens: 0,
          outputTokens: 0,
        };
        t.inputTokens += n('uncached_input_tokens');
        t.cacheWriteTokens +=
          n('cache_creation_5m_input_tokens') + n('cache_creation_1h_input_tokens');
        t.cacheReadTokens += n('cache_read_input_tokens');
        t.outputTokens += n('output_tokens');
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
 * Is the organisation stopped by its monthly spend cap? A 1-token message answers 429
 * `enforced_spend_limit_reached` (no `retry-after`) until the 1st of next month (providers.md
 * §1.3): that is an alert, never a retry, so this makes exactly one attempt.
 */
export async function anthropicSpendCapReached(options: {
  baseUrl: string;
  apiKey: string;
  model?: string;
  timeoutMs?: number;
}): Promise<boolean> {
  const source = 'anthropic messages';
  const response = await fetch(`${options.baseUrl.replace(/\/+$/, '')}/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': options.apiKey,
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      model: options.model ?? 'claude-haiku-4-5',
      max_tokens: 1,
      messages: [{ role: 'user', content: 'ping' }],
    }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  }).catch((error: unknown) => {
    throw new ProviderReadError(source, 'unreachable', `${source} is unreachable`, {
      cause: error,
    });
  });
  const body: unknown = await response.json().catch(() => undefined);
  if (response.ok) return false;
  const code =
    isRecord(body) && isRecord(body.error) && isRecord(body.error.details)
      ? body.error.details.error_code
      : undefined;
  if (response.status === 429 && code === 'enforced_spend_limit_reached') return true;
  if (response.status === 429) return false; // an ordinary rate limit is not the spend cap
  throw new ProviderReadError(
    source,
    response.status >= 500 ? 'server-error' : 'refused',
    `${source} answered HTTP ${response.status}`,
    {
      status: response.status,
    },
  );
}
