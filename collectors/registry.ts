import {
  anthropicCostUsd,
  anthropicSpendCapReached,
  anthropicUsageByModel,
} from '../adapters/anthropic/admin.ts';
import { createBetterStackClient } from '../adapters/betterstack/client.ts';
import { createTxtLookup } from '../adapters/dns/txt.ts';
import { createDispatcher } from '../adapters/alerts/dispatcher.ts';
import { createSmtpTransport } from '../adapters/alerts/email.ts';
import { raise } from '../adapters/alerts/outbox.ts';
import { postToSlack } from '../adapters/alerts/slack-post.ts';
import { createN8nClient } from '../adapters/n8n/client.ts';
import { phantomBusterUsage } from '../adapters/phantombuster/resources.ts';
import { createPool } from '../adapters/postgres/pool.ts';
import { sentryDailyErrors } from '../adapters/sentry/stats.ts';
import { upstashMonthlyBillingUsd } from '../adapters/upstash/management.ts';
import { createRedis } from '../adapters/upstash/client.ts';
import {
  COLLECTOR_N8N_SEARCH_LIMIT,
  advanceErasure,
  dueErasureRequests,
  requestErasure,
  type ErasureDeps,
} from '../adapters/privacy/erasure.ts';
import { loadReceiptSigner } from '../adapters/privacy/receipt-key.ts';
import { syncSuppressions } from '../adapters/privacy/suppression-sync.ts';
import type { CollectorName } from '../core/catalog/collectors.ts';
import { type Config, requireSettings } from '../core/config.ts';
import { VigieError } from '../core/errors.ts';
import { heartbeatSettings } from '../core/heartbeat-settings.ts';
import {
  DEFAULT_BUDGET_MS as ALERT_DISPATCH_BUDGET_MS,
  DEFAULT_POLL_MS as ALERT_DISPATCH_POLL_MS,
  run as runAlertDispatch,
} from './alert-dispatch/run.ts';
import { type CostDeps, run as runCost } from './cost/run.ts';
import { run as runDeliverability } from './deliverability/run.ts';
import { run as runN8n } from './n8n-failure-rate/run.ts';
import { run as runRetentionPurge } from './retention-purge/run.ts';
import { run as runErasureRetry } from './erasure-retry/run.ts';
import type { TickBase } from './shared/tick.ts';
import { run as runWeekly, type WeeklySummaryDeps } from './weekly-summary/run.ts';

/**
 * Builds each collector's deps from validated config (naming every missing variable) and runs
 * one tick. Used by the Lambda handlers and by `vigie run <collector>`. A provider whose key is
 * unset is "not configured" (reported as such); one whose key is set needs its base URL too.
 */
export type CollectorRunner = (config: Config, now: Date) => Promise<TickBase>;

/** Other collectors (retention-purge, erasure-retry, …) add their runner here. */
export const collectorRunners: Partial<Record<CollectorName, CollectorRunner>> = {
  'n8n-failure-rate': async (config, now) => {
    const c = requireSettings(
      config,
      ['DATABASE_URL', 'N8N_BASE_URL', 'N8N_API_KEY'],
      'The n8n-failure-rate collector',
    );
    return withPool(c.DATABASE_URL, (db) =>
      runN8n(
        { db, raise, n8n: createN8nClient({ baseUrl: c.N8N_BASE_URL, apiKey: c.N8N_API_KEY }) },
        now,
      ),
    );
  },
  cost: async (config, now) => {
    const c = requireSettings(config, ['DATABASE_URL'], 'The cost collector');
    return withPool(c.DATABASE_URL, async (db) => {
      const deps: CostDeps = { db, raise, timeZone: c.VIGIE_TIMEZONE, ...costSources(c) };
      if (c.SLACK_WEBHOOK_URL) {
        const url = c.SLACK_WEBHOOK_URL;
        deps.postReport = async (text) => {
          let answer = await postToSlack(url, { text }, { timeoutMs: 5_000 });
          // The dispatcher shares this webhook's ~1 msg/s budget: wait out one short 429.
          const wait = 'retryAfter' in answer ? Number(answer.retryAfter) : NaN;
          if ('status' in answer && answer.status === 429 && wait > 0 && wait <= 10) {
            await new Promise((resolve) => setTimeout(resolve, wait * 1000));
            answer = await postToSlack(url, { text }, { timeoutMs: 5_000 });
          }
          if ('networkError' in answer || answer.status >= 300) {
            throw new VigieError(
              'UNAVAILABLE',
              `Slack refused the cost report (${'networkError' in answer ? answer.networkError : `HTTP ${answer.status}`})`,
              {
                details: {
                  reason:
                    'networkError' in answer
                      ? 'unreachable'
                      : answer.status === 429
                        ? 'rate-limited'
                        : 'server-error',
                },
              },
            );
          }
        };
      }
      return runCost(deps, now);
    });
  },
  deliverability: async (config, now) => {
    const c = requireSettings(config, ['DATABASE_URL'], 'The deliverability collector');
    const lookupTxt = createTxtLookup(c.DNS_RESOLVER ? { server: c.DNS_RESOLVER } : {});
    const dkimSelectors = c.DKIM_SELECTORS.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return withPool(c.DATABASE_URL, (db) =>
      runDeliverability({ db, raise, lookupTxt, dkimSelectors }, now),
    );
  },
  'weekly-summary': async (config, now) => {
    const c = requireSettings(
      config,
      ['DATABASE_URL', 'SMTP_URL', 'REPORT_EMAIL_TO'],
      'The weekly-summary collector',
    );
    const transport = createSmtpTransport(c.SMTP_URL);
    try {
      return await withPool(c.DATABASE_URL, (db) =>
        runWeekly(
          {
            db,
            raise,
            timeZone: c.VIGIE_TIMEZONE,
            from: c.MAIL_FROM,
            to: c.REPORT_EMAIL_TO,
            sendMail: async (m) => {
              await transport.sendMail(m);
            },
            ...(c.BETTERSTACK_API_TOKEN
              ? {
                  betterstack: createBetterStackClient({
                    baseUrl: requireSettings(c, ['BETTERSTACK_BASE_URL'], 'Better Stack')
                      .BETTERSTACK_BASE_URL,
                    token: c.BETTERSTACK_API_TOKEN,
                  }),
                }
              : {}),
            ...(c.N8N_API_KEY
              ? {
                  n8n: createN8nClient({
                    baseUrl: requireSettings(c, ['N8N_BASE_URL'], 'n8n').N8N_BASE_URL,
                    apiKey: c.N8N_API_KEY,
                  }),
                }
              : {}),
            cost: costSources(c),
            ...sentryErrors(c),
          },
          now,
        ),
      );
    } finally {
      transport.close();
    }
  },
  'alert-dispatch': async (config, now) => {
    const c = requireSettings(
      config,
      ['DATABASE_URL', 'SLACK_WEBHOOK_URL'],
      'The alert-dispatch collector',
    );
    const transport = c.SMTP_URL ? createSmtpTransport(c.SMTP_URL) : undefined;
    try {
      return await withPool(c.DATABASE_URL, (db) =>
        runAlertDispatch(
          {
            db,
            raise,
            dispatcher: createDispatcher({
              pool: db,
              webhookUrl: c.SLACK_WEBHOOK_URL,
              emailTransport: transport,
              emailFrom: c.MAIL_FROM,
              emailTo: c.ALERT_EMAIL_TO,
              runbookBaseUrl: c.ALERT_RUNBOOK_BASE_URL,
              dashboardUrl: c.ALERT_DASHBOARD_URL,
              stage: c.VIGIE_STAGE,
              // Short ticks, so the last one started near the 50 s budget ends well before
              // the Lambda timeout (set it to ≥ 90 s): ≤ 10 paced posts, 5 s per Slack call.
              maxSendsPerTick: 10,
              timeoutMs: 5_000,
            }),
            budgetMs: ALERT_DISPATCH_BUDGET_MS,
            pollMs: ALERT_DISPATCH_POLL_MS,
            elapsedMs: () => performance.now(),
            sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          },
          now,
        ),
      );
    } finally {
      transport?.close();
    }
  },
  // The erasure collectors: their Lambda handlers' wiring, with `now` as a parameter.
  'retention-purge': (config, now) =>
    withErasure(config, 'The retention-purge collector', (db, base) =>
      runRetentionPurge(
        { db, raise, erase: (input) => requestErasure({ ...base, now }, input) },
        now,
      ),
    ),
  'erasure-retry': (config, now) =>
    withErasure(config, 'The erasure-retry collector', (db, base) =>
      runErasureRetry(
        {
          db,
          raise,
          due: dueErasureRequests,
          advance: (requestId) => advanceErasure({ ...base, now }, requestId),
          syncSuppressions: () =>
            syncSuppressions(db, { hmacKey: base.keys.suppressionHmacKey, now }),
        },
        now,
      ),
    ),
};

async function withErasure<T>(
  config: Config,
  purpose: string,
  fn: (db: ReturnType<typeof createPool>, base: Omit<ErasureDeps, 'now'>) => Promise<T>,
): Promise<T> {
  const c = requireSettings(
    config,
    [
      'DATABASE_URL',
      'UPSTASH_REDIS_REST_URL',
      'UPSTASH_REDIS_REST_TOKEN',
      'N8N_BASE_URL',
      'N8N_API_KEY',
      'SUPPRESSION_HMAC_KEY',
    ],
    purpose,
  );
  const receiptSigner = await loadReceiptSigner(c);
  return withPool(c.DATABASE_URL, (db) =>
    fn(db, {
      pool: db,
      redis: createRedis({
        url: c.UPSTASH_REDIS_REST_URL,
        token: c.UPSTASH_REDIS_REST_TOKEN,
        retries: 1,
      }),
      n8n: createN8nClient({ baseUrl: c.N8N_BASE_URL, apiKey: c.N8N_API_KEY }),
      keys: { suppressionHmacKey: c.SUPPRESSION_HMAC_KEY, receiptSigner },
      // Off the request path: search n8n further back, and sign what was covered.
      n8nSearchLimit: COLLECTOR_N8N_SEARCH_LIMIT,
      n8nSearchIncomplete: 'complete',
      residual: {
        n8nMaxAgeHours: c.N8N_EXECUTIONS_MAX_AGE_HOURS,
        n8nHardDeleteBufferHours: 1,
        backupRetentionDays: c.PRIVACY_BACKUP_RETENTION_DAYS,
      },
    }),
  );
}

/** The weekly summary's error counts from Sentry's org stats, when a Sentry auth token is set. */
function sentryErrors(c: Config): Pick<WeeklySummaryDeps, 'errors'> {
  const authToken = c.SENTRY_AUTH_TOKEN;
  if (!authToken) return {};
  const { SENTRY_API_BASE_URL: baseUrl, SENTRY_ORG: org } = requireSettings(
    c,
    ['SENTRY_API_BASE_URL', 'SENTRY_ORG'],
    'Sentry stats (SENTRY_AUTH_TOKEN is set)',
  );
  return { errors: (start, end) => sentryDailyErrors({ baseUrl, org, authToken }, start, end) };
}

function costSources(c: Config): Omit<CostDeps, 'db' | 'raise' | 'timeZone' | 'postReport'> {
  const sources: Omit<CostDeps, 'db' | 'raise' | 'timeZone' | 'postReport'> = {
    budgets: {
      anthropic: c.BUDGET_ANTHROPIC_USD,
      upstash: c.BUDGET_UPSTASH_USD,
      phantombuster: c.BUDGET_PHANTOMBUSTER_USD,
      supabase: c.BUDGET_SUPABASE_USD,
    },
  };
  if (c.ANTHROPIC_ADMIN_KEY) {
    const a = requireSettings(
      c,
      ['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_ADMIN_KEY'],
      'Anthropic cost reading',
    );
    sources.anthropic = {
      costUsd: (from, to) =>
        anthropicCostUsd(
          { baseUrl: a.ANTHROPIC_BASE_URL, adminKey: a.ANTHROPIC_ADMIN_KEY },
          from,
          to,
        ),
      spendCapReached: () =>
        anthropicSpendCapReached({ baseUrl: a.ANTHROPIC_BASE_URL, apiKey: a.ANTHROPIC_API_KEY }),
      usageByModel: (from, to) =>
        anthropicUsageByModel(
          { baseUrl: a.ANTHROPIC_BASE_URL, adminKey: a.ANTHROPIC_ADMIN_KEY },
          from,
          to,
        ),
    };
  }
  if (c.UPSTASH_API_KEY) {
    const u = requireSettings(
      c,
      ['UPSTASH_API_BASE_URL', 'UPSTASH_API_EMAIL', 'UPSTASH_API_KEY', 'UPSTASH_DATABASE_ID'],
      'Upstash cost reading',
    );
    sources.upstash = () =>
      upstashMonthlyBillingUsd({
        baseUrl: u.UPSTASH_API_BASE_URL,
        email: u.UPSTASH_API_EMAIL,
        apiKey: u.UPSTASH_API_KEY,
        databaseId: u.UPSTASH_DATABASE_ID,
      });
  }
  if (c.PHANTOMBUSTER_API_KEY) {
    const p = requireSettings(
      c,
      ['PHANTOMBUSTER_BASE_URL', 'PHANTOMBUSTER_API_KEY'],
      'PhantomBuster cost reading',
    );
    sources.phantombuster = () =>
      phantomBusterUsage({ baseUrl: p.PHANTOMBUSTER_BASE_URL, apiKey: p.PHANTOMBUSTER_API_KEY });
  }
  return sources;
}

async function withPool<T>(
  url: string,
  fn: (db: ReturnType<typeof createPool>) => Promise<T>,
): Promise<T> {
  const pool = createPool(url, { max: 2 });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}

/**
 * Heartbeat URL setting per collector (Better Stack heartbeat `url`): derived from the catalog,
 * `HEARTBEAT_URL_<COLLECTOR>` (core/heartbeat-settings.ts), so every collector has one.
 */
export const heartbeatSetting = heartbeatSettings;
