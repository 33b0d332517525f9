import type Anthropic from '@anthropic-ai/sdk';
import { anthropicSdk } from './sdk.ts';
import type { Redis } from '@upstash/redis';
import { backoffMs } from '../../core/alerting/backoff.ts';
import { retryAfterMs } from '../../core/retry-after.ts';
import {
  type EnrichmentInput,
  estimateInputTokens,
  SYSTEM_PROMPT,
  userPrompt,
} from '../../core/enrichment/prompt.ts';
import {
  costUsd,
  PRICES_AS_OF,
  type TokenUsage,
  worstCaseCostUsd,
} from '../../core/enrichment/prices.ts';
import { VigieError } from '../../core/errors.ts';
import { ENRICHMENT_TTL_SECONDS, redisKeys } from '../../core/redis-keys.ts';
import type { Queryable } from '../postgres/pool.ts';
import { type Admission, OrgRateLimiter, type RateLimiter } from './rate-limiter.ts';

/**
 * The enrichment gateway: every Claude call of every tenant goes through here
 * (docs/load/enrichment-gateway.md). One org-wide `RateLimiter` (shared through Upstash, or
 * per process) in front of the SDK (whose own retries are off: the limiter owns the waiting,
 * so 100 callers do not each retry blindly);
 * the spend-cap 429 is told apart from a rate limit (critical alert, fail fast, no retry);
 * per-tenant metering in `enrichment_usage` and a per-tenant daily budget; answers cached in
 * `app:enrich:{prospectId}` for 30 days. Only `userPrompt`'s allow-listed fields leave Vigie.
 */
export interface EnrichmentGatewayOptions {
  apiKey: string;
  baseUrl?: string;
  model: string;
  maxTokens: number;
  /** Per tenant and UTC day. */
  dailyBudgetUsd: number;
  db: Queryable;
  /** The app's Upstash client: the answer cache. Optional (no cache). */
  redis?: Pick<Redis, 'get' | 'set'>;
  /** Real ms a reached spend cap holds calls back before one checks again (default 5 min). */
  spendCapRecheckMs?: number;
  /** Raises `anthropic-spend-cap-reached` (the caller's outbox). */
  onSpendCap: (errorCode: string) => Promise<void>;
  /** The org-wide limiter: `SharedRateLimiter` across instances, else one per process. */
  limiter?: RateLimiter;
  /** Attempts per call through the limiter (429 with retry-after, 529, 5xx, network). */
  maxAttempts?: number;
  /** Request timeout per attempt, ms (the SDK's default is 10 minutes). */
  timeoutMs?: number;
  now?: () => Date;
  /** Observes each call (metrics): ids and numbers only. */
  onCall?: (event: CallEvent) => void;
}

export interface CallEvent {
  outcome: 'ok' | 'cached' | 'budget' | 'spend-cap' | 'retry' | 'failed';
  status?: number;
  waitedMs?: number;
  usage?: TokenUsage;
  costUsd?: number;
}

export interface EnrichmentResult {
  prospectId: string;
  brief: string;
  model: string;
  cached: boolean;
  usage: TokenUsage | null;
  costUsd: number;
  /** How the call went through the limiter (load scenarios read these). */
  limiter: { attempts: number; rateLimited: number; queuedMs: number };
}

const SPEND_CAP_CODE = 'enforced_spend_limit_reached';
/**
 * How long a reached spend cap holds calls back before one is let through to check it again.
 * The cap lasts until the 1st unless someone raises it in the console (the runbook's fix): a
 * hold until the 1st would keep enrichment stopped after that fix until every instance restarts.
 */
export const SPEND_CAP_RECHECK_MS = 5 * 60_000;

export class EnrichmentGateway {
  readonly limiter: RateLimiter;
  readonly #o: EnrichmentGatewayOptions;
  /** Made on the first call: the SDK is loaded then, not at cold start (adapters/anthropic/sdk.ts). */
  #client: Promise<{ client: Anthropic; sdk: typeof Anthropic }> | undefined;
  readonly #inflightUsd = new Map<string, number>();
  #spendCapUntil = 0;

  constructor(options: EnrichmentGatewayOptions) {
    this.#o = options;
    this.limiter = options.limiter ?? new OrgRateLimiter({ now: () => this.#now().getTime() });
  }

  #sdkClient() {
    this.#client ??= anthropicSdk().then((sdk) => ({
      sdk,
      // maxRetries 0: retries go back through the shared limiter, never around it.
      client: new sdk({
        apiKey: this.#o.apiKey,
        baseURL: this.#o.baseUrl,
        maxRetries: 0,
        timeout: this.#o.timeoutMs ?? 60_000,
      }),
    }));
    return this.#client;
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }

  async enrich(tenantId: string, input: EnrichmentInput): Promise<EnrichmentResult> {
    const o = this.#o;
    const now = this.#now();
    if (now.getTime() < this.#spendCapUntil) throw this.#spendCapError();
    if (this.#spendCapUntil !== 0) {
      this.#spendCapUntil = 0;
      this.limiter.reopen();
    }

    // A prospect of another account is not found; one not stored yet (a fresh scrape) is
    // enriched but never cached, so no tenant can read or plant another's answer.
    const owner = await prospectOwner(o.db, input.prospectId);
    if (owner !== null && owner !== tenantId) {
      throw new VigieError('NOT_FOUND', `No prospect ${input.prospectId} in this account.`);
    }
    const cache = owner === tenantId ? o.redis : undefined;
    const cacheKey = redisKeys.enrichment(input.prospectId);
    const hit = cache ? await cache.get<{ brief: string; model: string }>(cacheKey) : null;
    if (hit && typeof hit.brief === 'string') {
      o.onCall?.({ outcome: 'cached' });
      return {
        prospectId: input.prospectId,
        brief: hit.brief,
        model: hit.model,
        cached: true,
        usage: null,
        costUsd: 0,
        limiter: { attempts: 0, rateLimited: 0, queuedMs: 0 },
      };
    }

    const user = userPrompt(input);
    const inputTokens = estimateInputTokens(SYSTEM_PROMPT, user);
    const worst = worstCaseCostUsd(o.model, inputTokens, o.maxTokens);
    await this.#checkBudget(tenantId, now, worst);
    this.#inflightUsd.set(tenantId, (this.#inflightUsd.get(tenantId) ?? 0) + worst);
    try {
      const { brief, usage, limiter } = await this.#call(user, {
        inputTokens,
        maxTokens: o.maxTokens,
      });
      const cost = costUsd(o.model, usage);
      await this.#meter(tenantId, now, usage, cost);
      if (cache)
        await cache.set(cacheKey, { brief, model: o.model }, { ex: ENRICHMENT_TTL_SECONDS });
      o.onCall?.({ outcome: 'ok', usage, costUsd: cost });
      return {
        prospectId: input.prospectId,
        brief,
        model: o.model,
        cached: false,
        usage,
        costUsd: cost,
        limiter,
      };
    } finally {
      const left = (this.#inflightUsd.get(tenantId) ?? 0) - worst;
      if (left > 1e-12) this.#inflightUsd.set(tenantId, left);
      else this.#inflightUsd.delete(tenantId);
    }
  }

  async #checkBudget(tenantId: string, now: Date, worst: number): Promise<void> {
    const budget = this.#o.dailyBudgetUsd;
    const spent = await spentTodayUsd(this.#o.db, tenantId, now);
    const inflight = this.#inflightUsd.get(tenantId) ?? 0;
    if (spent + inflight + worst > budget) {
      this.#o.onCall?.({ outcome: 'budget' });
      const resetsAt = new Date(
        Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1),
      );
      throw new VigieError(
        'RATE_LIMITED',
        `This account's daily enrichment budget of ${round6(budget)} USD is spent (${round6(spent)} USD used today, ${round6(inflight)} USD in progress); it resets at ${resetsAt.toISOString()}.`,
        {
          details: {
            budgetUsd: budget,
            spentUsd: round6(spent),
            resetsAt: resetsAt.toISOString(),
            retryAfterSeconds: Math.ceil((resetsAt.getTime() - now.getTime()) / 1000),
          },
        },
      );
    }
  }

  async #call(user: string, demand: { inputTokens: number; maxTokens: number }) {
    const maxAttempts = this.#o.maxAttempts ?? 4;
    let lastStatus: number | undefined;
    const limiter = { attempts: 0, rateLimited: 0, queuedMs: 0 };
    const { client, sdk } = await this.#sdkClient();
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const admission: Admission = await this.limiter.acquire(demand);
      limiter.attempts = attempt;
      limiter.queuedMs += admission.waitedMs;
      try {
        const { data, response } = await client.messages
          .create({
            model: this.#o.model,
            max_tokens: demand.maxTokens,
            // The instructions are the same for every call: cached, so they cost a cache read
            // (and no input-token rate limit) after the first call.
            system: [{ type: 'text', text: SYSTEM_PROMPT, cache_control: { type: 'ephemeral' } }],
            messages: [{ role: 'user', content: user }],
          })
          .withResponse();
        const usage: TokenUsage = {
          inputTokens: data.usage.input_tokens,
          outputTokens: data.usage.output_tokens,
          cacheReadTokens: data.usage.cache_read_input_tokens ?? 0,
          cacheWrite5mTokens:
            data.usage.cache_creation?.ephemeral_5m_input_tokens ??
            data.usage.cache_creation_input_tokens ??
            0,
          cacheWrite1hTokens: data.usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
        };
        await this.limiter.settle(admission, {
          headers: response.headers,
          usage: {
            inputTokens: usage.inputTokens + usage.cacheWrite5mTokens + usage.cacheWrite1hTokens,
            outputTokens: usage.outputTokens,
          },
        });
        const brief = data.content
          .map((b) => (b.type === 'text' ? b.text : ''))
          .join('')
          .trim();
        return { brief, usage, limiter };
      } catch (error) {
        if (!(error instanceof sdk.APIError)) {
          await this.limiter.release(admission);
          throw error;
        }
        const status = error.status;
        lastStatus = status;
        const headers = error.headers ?? undefined;
        if (status === 429 && isSpendCap(error)) {
          // The call's share goes back: the limiter must not wait on it when the cap lifts.
          await this.limiter.release(admission);
          await this.#spendCapReached(error);
          throw this.#spendCapError();
        }
        if (status === 429) limiter.rateLimited += 1;
        const retryable = status === undefined || status === 408 || status === 429 || status >= 500;
        if (!retryable) {
          await this.limiter.release(admission);
          this.#o.onCall?.({ outcome: 'failed', status });
          throw new VigieError(
            status === 401 || status === 403 ? 'UNAVAILABLE' : 'INTERNAL',
            `Claude refused the enrichment request (HTTP ${status}, ${errorType(error)}).`,
            { cause: error },
          );
        }
        const retryAfter = headers?.get('retry-after') ?? null;
        const waitMs =
          retryAfterMs(retryAfter, this.#now()) ??
          backoffMs(attempt, { baseMs: 1_000, maxMs: 30_000, factor: 2 });
        // A 429 took nothing from the provider's buckets; neither does a 5xx or a lost call
        // count toward output (the provider refunds unfinished reservations).
        await this.limiter.release(admission);
        await this.limiter.pause(waitMs, headers);
        this.#o.onCall?.({ outcome: 'retry', status });
      }
    }
    this.#o.onCall?.({ outcome: 'failed', status: lastStatus });
    throw new VigieError(
      'UNAVAILABLE',
      `Claude stayed unavailable after ${maxAttempts} attempts (last HTTP ${lastStatus ?? 'no answer'}): try again in a minute.`,
    );
  }

  async #spendCapReached(error: InstanceType<typeof Anthropic.APIError>): Promise<void> {
    const now = this.#now();
    // The cap holds until 00:00 UTC on the 1st of next month (docs/load/provider-limits.md),
    // unless raised: calls are held back a few minutes, then one checks again.
    this.#spendCapUntil = Math.min(
      Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1),
      now.getTime() + (this.#o.spendCapRecheckMs ?? SPEND_CAP_RECHECK_MS),
    );
    this.limiter.close(this.#spendCapError());
    this.#o.onCall?.({ outcome: 'spend-cap', status: error.status });
    await this.#o.onSpendCap(SPEND_CAP_CODE);
  }

  #spendCapError(): VigieError {
    return new VigieError(
      'UNAVAILABLE',
      `Enrichment is stopped: the organisation reached its Anthropic monthly spend cap (checked again at ${new Date(this.#spendCapUntil).toISOString()}). Raise the cap in the Anthropic console; an alert was sent.`,
      { details: { errorCode: SPEND_CAP_CODE } },
    );
  }

  async #meter(tenantId: string, now: Date, u: TokenUsage, cost: number): Promise<void> {
    await this.#o.db.query(
      `insert into enrichment_usage as e
         (tenant_id, day, model, requests, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd, prices_as_of)
       values ($1, ($2::timestamptz at time zone 'UTC')::date, $3, 1, $4, $5, $6, $7, $8, $9)
       on conflict (tenant_id, day, model) do update set
         requests = e.requests + 1,
         input_tokens = e.input_tokens + excluded.input_tokens,
         output_tokens = e.output_tokens + excluded.output_tokens,
         cache_read_tokens = e.cache_read_tokens + excluded.cache_read_tokens,
         cache_write_tokens = e.cache_write_tokens + excluded.cache_write_tokens,
         cost_usd = e.cost_usd + excluded.cost_usd,
         prices_as_of = excluded.prices_as_of`,
      [
        tenantId,
        now.toISOString(),
        this.#o.model,
        u.inputTokens,
        u.outputTokens,
        u.cacheReadTokens,
        u.cacheWrite5mTokens + u.cacheWrite1hTokens,
        cost,
        PRICES_AS_OF,
      ],
    );
  }
}

function isSpendCap(error: InstanceType<typeof Anthropic.APIError>): boolean {
  const body = error.error as { error?: { details?: { error_code?: unknown } } } | undefined;
  return body?.error?.details?.error_code === SPEND_CAP_CODE;
}

function errorType(error: InstanceType<typeof Anthropic.APIError>): string {
  const body = error.error as { error?: { type?: unknown } } | undefined;
  return typeof body?.error?.type === 'string' ? body.error.type : 'unknown error';
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

async function prospectOwner(db: Queryable, prospectId: string): Promise<string | null> {
  const { rows } = await db.query<{ user_id: string }>(
    'select user_id from prospects where id = $1',
    [prospectId],
  );
  return rows[0]?.user_id ?? null;
}

/** What a tenant spent on enrichment on `now`'s UTC day, USD. */
export async function spentTodayUsd(db: Queryable, tenantId: string, now: Date): Promise<number> {
  const { rows } = await db.query<{ usd: string | null }>(
    `select sum(cost_usd)::text as usd from enrichment_usage
      where tenant_id = $1 and day = ($2::timestamptz at time zone 'UTC')::date`,
    [tenantId, now.toISOString()],
  );
  return Number(rows[0]?.usd ?? 0);
}

/** Per-tenant enrichment cost between two UTC days (inclusive from, exclusive to): the cost monitor's read. */
export async function tenantEnrichmentCosts(
  db: Queryable,
  from: Date,
  to: Date,
): Promise<Array<{ tenantId: string; requests: number; usd: number }>> {
  const { rows } = await db.query<{ tenant_id: string; requests: string; usd: string }>(
    `select tenant_id, sum(requests)::text as requests, sum(cost_usd)::text as usd
       from enrichment_usage
      where day >= ($1::timestamptz at time zone 'UTC')::date and day < ($2::timestamptz at time zone 'UTC')::date
      group by tenant_id order by sum(cost_usd) desc`,
    [from.toISOString(), to.toISOString()],
  );
  return rows.map((r) => ({
    tenantId: r.tenant_id,
    requests: Number(r.requests),
    usd: Number(r.usd),
  }));
}
