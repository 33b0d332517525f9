import type { Redis } from '@upstash/redis';
import { Hono } from 'hono';
import { raise } from '../../adapters/alerts/outbox.ts';
import {
  EnrichmentGateway,
  SPEND_CAP_RECHECK_MS,
} from '../../adapters/anthropic/enrichment-gateway.ts';
import type { Pool } from '../../adapters/postgres/pool.ts';
import { OrgRateLimiter, type RateLimiter } from '../../adapters/anthropic/rate-limiter.ts';
import { SharedRateLimiter } from '../../adapters/anthropic/shared-rate-limiter.ts';
import { type Config, requireSettings } from '../../core/config.ts';
import { VigieError, isVigieError } from '../../core/errors.ts';
import { enrichmentInput, lowerCaseUuid } from '../../core/enrichment/prompt.ts';
import { readJson } from '../errors.ts';
import { type AuthVariables, requireUser } from '../middleware/auth.ts';
import { getTelemetry } from '../../telemetry/current.ts';
import type { CallEvent } from '../../adapters/anthropic/enrichment-gateway.ts';
import { requireHookSecret } from '../middleware/hook-secret.ts';

export interface EnrichmentRouteDeps {
  config: Config;
  pool: Pool;
  redis: Redis;
  /** Injected by tests; otherwise one per config, shared by every request of the process. */
  enrichment?: EnrichmentGateway;
}

const gateways = new WeakMap<Config, EnrichmentGateway>();

/** The process's one gateway (its limiter is the org-wide one), built from settings on first use. */
export function gatewayFor(deps: EnrichmentRouteDeps): EnrichmentGateway {
  if (deps.enrichment) return deps.enrichment;
  const cached = gateways.get(deps.config);
  if (cached) return cached;
  let s: Config & { ANTHROPIC_API_KEY: string };
  let limiter: RateLimiter;
  try {
    s = requireSettings(deps.config, ['ANTHROPIC_API_KEY'], 'the enrichment gateway');
    limiter = limiterFor(deps);
  } catch (error) {
    // An operator problem, not the caller's: 503 naming the settings (CONFIG_INVALID is a 500).
    if (!isVigieError(error)) throw error;
    throw new VigieError(
      'UNAVAILABLE',
      `Enrichment is not configured on this server: ${error.message}`,
    );
  }
  const gateway = new EnrichmentGateway({
    limiter,
    apiKey: s.ANTHROPIC_API_KEY,
    baseUrl: deps.config.ANTHROPIC_BASE_URL,
    model: deps.config.ENRICHMENT_MODEL,
    maxTokens: deps.config.ENRICHMENT_MAX_TOKENS,
    dailyBudgetUsd: deps.config.ENRICHMENT_DAILY_BUDGET_USD,
    db: deps.pool,
    redis: deps.redis,
    onCall: recordCall,
    // A sped-up local staging holds for the same minutes of its clock (drills run at 600×).
    spendCapRecheckMs: SPEND_CAP_RECHECK_MS / deps.config.VIGIE_TIME_SCALE,
    onSpendCap: async (errorCode) => {
      await raise(deps.pool, {
        alertId: 'anthropic-spend-cap-reached',
        labels: { errorCode },
        at: new Date(),
      });
    },
  });
  gateways.set(deps.config, gateway);
  return gateway;
}

/**
 * The org-wide limiter: shared through Upstash when it is configured (several Lambda instances
 * and n8n's calls take from one set of buckets), else this process's own.
 */
export function limiterFor(deps: Pick<EnrichmentRouteDeps, 'config' | 'redis'>): RateLimiter {
  const { config } = deps;
  const upstash = config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN;
  if (config.ENRICHMENT_LIMITER === 'shared')
    requireSettings(
      config,
      ['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN'],
      'the shared enrichment limiter (ENRICHMENT_LIMITER=shared)',
    );
  if (config.ENRICHMENT_LIMITER === 'process' || !upstash) return new OrgRateLimiter();
  return new SharedRateLimiter({ redis: deps.redis });
}

/** Metrics of each call: outcome, status and numbers only (catalog: `vigie.enrichment.*`). */
function recordCall(event: CallEvent): void {
  const meter = getTelemetry()?.meter;
  if (!meter) return;
  meter
    .createCounter('vigie.enrichment.calls')
    .add(1, { outcome: event.outcome, ...(event.status ? { status: event.status } : {}) });
  if (event.usage) {
    const tokens = meter.createCounter('vigie.enrichment.tokens');
    tokens.add(event.usage.inputTokens, { kind: 'input' });
    tokens.add(event.usage.outputTokens, { kind: 'output' });
    tokens.add(event.usage.cacheReadTokens, { kind: 'cache_read' });
    tokens.add(event.usage.cacheWrite5mTokens + event.usage.cacheWrite1hTokens, {
      kind: 'cache_write',
    });
  }
  if (event.costUsd) meter.createCounter('vigie.enrichment.cost_usd').add(event.costUsd);
}

/** n8n's HTTP Request node: the tenant is named in the body, the shared secret authenticates. */
const hookBody = enrichmentInput.extend({
  tenantId: lowerCaseUuid('tenantId: expected the app user id (a UUID)'),
});

/**
 * `POST /enrichments` (the app, Supabase user JWT: the tenant is the user) and
 * `POST /hooks/n8n/enrichments` (the scrape-and-enrich workflow's HTTP node, shared secret,
 * `tenantId` in the body). Both answer `{prospectId, brief, model, cached, usage, costUsd}`;
 * 429 when the tenant's daily budget is spent, 503 when Claude stays unavailable or the
 * organisation's spend cap is reached. Unknown fields (names, emails…) are dropped, never sent.
 */
export function enrichmentRoutes(deps: EnrichmentRouteDeps): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.post('/enrichments', requireUser(deps), async (c) => {
    const input = await readJson(c, enrichmentInput);
    return c.json(await gatewayFor(deps).enrich(c.get('userId'), input));
  });
  app.post('/hooks/n8n/enrichments', requireHookSecret(deps.config, 'enrichment'), async (c) => {
    const { tenantId, ...input } = await readJson(c, hookBody);
    return c.json(await gatewayFor(deps).enrich(tenantId, input));
  });
  return app;
}
