import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from '@upstash/redis';
import { checkpointStoreFrom } from '../adapters/privacy/checkpoint-config.ts';
import { createN8nClient } from '../adapters/n8n/client.ts';
import { createRedis } from '../adapters/upstash/client.ts';
import { createPool, type Pool } from '../adapters/postgres/pool.ts';
import { APP_ROLE, enableAppLogin } from '../adapters/postgres/app-role.ts';
import { migrate } from '../adapters/postgres/migrate.ts';
import { isSeeded, seed } from '../adapters/postgres/seed.ts';
import { createApp } from '../api/app.ts';
import { serveApp } from '../api/server.ts';
import { parseConfig, type Config } from '../core/config.ts';
import { getTelemetry, initTelemetry, type Telemetry } from '../telemetry/init.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { startRedisServer } from './redis-server.ts';
import { startLocalPrometheus } from './staging/prometheus.ts';
import { createStagingClock } from './staging/clock.ts';
import { isSet, type LaunchContext, type ServiceEntry } from './staging/context.ts';
import {
  createStagingPinger,
  createStagingScheduler,
  driveClock,
  registerIncidentWebhook,
  startAlertDispatcher,
} from './staging/loops.ts';
import { createSentryRuleEvaluator } from './staging/sentry-rules.ts';
import { SENTRY_HOOK_PATH } from '../api/routes/sentry-hook.ts';
import { createCatalogMonitors, type CatalogMonitors } from './staging/monitors.ts';
import { startObservability, type ObservabilityStandIns } from './staging/observability.ts';
import {
  publishDomain,
  publishSendingDomains,
  startProviders,
  type ProviderStandIns,
} from './staging/providers.ts';
import { loadOrCreateLocalSecrets } from './staging/secrets.ts';
import { startControlEndpoint } from './staging/control.ts';
import { createFaultSwitches } from './staging/fault-switches.ts';
import { createFaultBoard, type FaultBoard } from './faults.ts';
import { startUpstashBridge, type UpstashBridge } from './upstash/bridge.ts';

/** On stop, how long requests in flight may take to finish before their connections close. */
const IN_FLIGHT_GRACE_MS = 2_000;
/** On stop, how long one step may take before the next one runs anyway. */
const STOP_STEP_BUDGET_MS = 3_000;

/** The app role's password on a local database (loopback only, like the embedded superuser's). */
const LOCAL_APP_PASSWORD = 'vigie-local-app';

export interface StackOptions {
  /** The environment to read settings from (`process.env` from the CLI); never mutated. */
  env: Record<string, string | undefined>;
  /** Where embedded data and local keys live (git-ignored). */
  stateDir?: string;
  /** Seed demo data when the database is empty. */
  seedWhenEmpty?: boolean;
  /** Seed size; the default is the product's 50 customers × 2,000 prospects. */
  seedSize?: { customers: number; prospectsPerCustomer: number };
  log?: (line: string) => void;
  now?: () => Date;
  /** How often metrics are pushed to OTLP (default 10 s); Prometheus scrapes every 2 s. */
  metricExportIntervalMs?: number;
  /** Start a local Prometheus scraping the OTLP stand-in (default true; needs `prometheus`). */
  prometheus?: boolean;
}

export interface RunningStack {
  /** Every setting, stand-ins included: what the app and the collectors run with. */
  config: Config;
  urls: { app: string; upstash: string; postgres: string; redis: string; prometheus?: string };
  /** Which dependencies were started here rather than given by env. */
  embedded: { postgres: boolean; redis: boolean };
  /** Every service of the staging, for the ready table (app first). */
  services: ServiceEntry[];
  /** The stand-ins started here (absent when the env named the real service), for drills. */
  standIns: ProviderStandIns & ObservabilityStandIns & { upstash: UpstashBridge };
  /** The catalog's monitors and heartbeats in the Better Stack stand-in. */
  monitors: CatalogMonitors | undefined;
  /** A seeded user with prospects (for `npx vigie dev token --user …`), if any. */
  demoUserId: string | undefined;
  stateDir: string;
  /** Shell-sourceable settings for running other `vigie` commands against this staging. */
  envFile: string;
  /** The fault switches, also served on `control.url` for other processes. */
  faults: FaultBoard;
  control: { url: string; token: string };
  /** The Sentry stand-in's alert rules (its issues and webhook deliveries), when it runs. */
  sentryRules: ReturnType<typeof createSentryRuleEvaluator> | undefined;
  /** The staging clock (`VIGIE_TIME_SCALE`): what the scheduler and pinger run on. */
  now(): Date;
  pool: Pool;
  redis: Redis;
  telemetry: Telemetry;
  timings: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * The local staging behind `npm start`: real Postgres and Redis (given by `DATABASE_URL` /
 * `REDIS_URL`, or started here), migrations, seed data, every provider stand-in, telemetry, the
 * HTTP app, the catalog's monitors, and the loops (alert dispatcher, Better Stack pinger,
 * collector scheduler). Each step registers how to undo itself; `stop()` (or a failure half-way)
 * undoes them in reverse order, so nothing keeps listening or running.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const log = options.log ?? (() => {});
  // Local staging names its stage itself: the config has no default stage (a deployment that
  // forgot VIGIE_STAGE must fail, not pass for local).
  const env: Record<string, string | undefined> = {
    ...options.env,
    VIGIE_STAGE: options.env.VIGIE_STAGE || 'local',
  };
  // Validates the caller's settings before anything starts: every problem in one error.
  const given = parseConfig(env);
  const stateDir = path.resolve(options.stateDir ?? given.VIGIE_STATE_DIR);
  const clock = createStagingClock(given.VIGIE_TIME_SCALE);
  const stops: Array<() => Promise<void>> = [];
  const timings: Record<string, number> = {};
  // Each step has a budget: one waiting on something stuck (a pool whose client waits on a
  // lock) must not keep the next ones, Postgres's stop among them, from running.
  const stop = async () => {
    for (const undo of stops.reverse()) await withinBudget(undo, STOP_STEP_BUDGET_MS, log);
    stops.length = 0;
  };
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await fn();
    timings[name] = Math.round(performance.now() - started);
    return result;
  };
  const ctx: LaunchContext = {
    env,
    stateDir,
    clock,
    defer: (undo) => stops.push(undo),
    log,
  };

  try {
    const postgres = await step('postgres', async () => {
      if (given.DATABASE_URL) return { url: given.DATABASE_URL, embedded: false };
      const handle = await startEmbeddedPostgres({ dataDir: path.join(stateDir, 'postgres'), log });
      stops.push(handle.stop);
      return { url: handle.url, embedded: true };
    });

    const redisServer = await step('redis', async () => {
      if (given.REDIS_URL) return { url: given.REDIS_URL, embedded: false };
      const handle = await startRedisServer({ dataDir: path.join(stateDir, 'redis'), log });
      stops.push(handle.stop);
      return { url: handle.url, embedded: true };
    });

    // Migrations and the seed run as the tables' owner; everything else as `vigie_app`.
    const ownerUrl = given.DATABASE_MIGRATION_URL ?? postgres.url;
    const owner = createPool(ownerUrl, { max: 2 });
    stops.push(() => owner.end());
    const migrated = await step('migrate', () => migrate(owner));
    if (migrated.applied.length > 0) log(`applied ${migrated.applied.length} migration(s)`);
    // Given both URLs, DATABASE_URL already is the app's role; otherwise the URL we migrated
    // with is the owner's, and the app role gets a local login on that database.
    const appUrl =
      given.DATABASE_MIGRATION_URL !== undefined
        ? postgres.url
        : await enableAppLogin(owner, ownerUrl, LOCAL_APP_PASSWORD);
    if (given.DATABASE_MIGRATION_URL === undefined) log(`the app connects as ${APP_ROLE}`);
    const pool = createPool(appUrl, { max: given.DATABASE_POOL_MAX });
    stops.push(() => pool.end());

    const bridge = await step('upstash', async () => {
      const token = given.UPSTASH_REDIS_REST_TOKEN ?? randomBytes(24).toString('base64url');
      const handle = await startUpstashBridge({ redisUrl: redisServer.url, token, now: clock.now });
      stops.push(handle.close);
      return handle;
    });
    const redis = createRedis({ url: bridge.url, token: bridge.token });

    if (options.seedWhenEmpty !== false && !(await isSeeded(pool))) {
      const size = options.seedSize ?? { customers: 50, prospectsPerCustomer: 2000 };
      log(`seeding ${size.customers} customers × ${size.prospectsPerCustomer} prospects…`);
      const seeded = await step('seed', () =>
        seed(owner, { ...size, seed: 42, now: options.now?.() ?? new Date(), redis }),
      );
      log(`seeded ${Object.values(seeded.rows).reduce((a, b) => a + b, 0)} rows`);
    }

    // From here the staging clock runs at its scale: the seed above is stamped at real time,
    // which is the clock's time at this instant (see createStagingClock).
    clock.start();
    const secrets = await loadOrCreateLocalSecrets(stateDir);
    const localSecrets = {
      N8N_HOOK_SECRET: env.N8N_HOOK_SECRET || secrets.N8N_HOOK_SECRET,
      SUPPRESSION_HMAC_KEYS: env.SUPPRESSION_HMAC_KEYS || secrets.SUPPRESSION_HMAC_KEYS,
      SUBJECT_SEAL_KEYS: env.SUBJECT_SEAL_KEYS || secrets.SUBJECT_SEAL_KEYS,
    };
    // The app listens after its stand-ins: the n8n ledger hook reads its URL when a run happens.
    const live: { appUrl?: string } = {};
    const observability = await step('observability stand-ins', () => startObservability(ctx));
    const prometheus = await step('prometheus', () =>
      startLocalPrometheus(ctx, observability.standIns.otlp, options.prometheus !== false),
    );
    const providers = await step('provider stand-ins', () =>
      startProviders(
        ctx,
        { appUrl: () => live.appUrl, hookSecret: localSecrets.N8N_HOOK_SECRET },
        bridge,
      ),
    );
    const domainRecords = {
      dkimPublicKey: secrets.dkimPublicKey,
      selectors: given.DKIM_SELECTORS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      tracking: {
        host: given.TRACKING_CNAME_HOST,
        target: providers.settings.TRACKING_CNAME_TARGET ?? given.TRACKING_CNAME_TARGET ?? '',
      },
    };
    if (providers.standIns.dns) {
      await publishSendingDomains(providers.standIns.dns, pool, domainRecords);
    }

    const betterstack = providers.standIns.betterstack;
    // What this launch created; the caller's own settings pass through underneath.
    const created: Record<string, string> = {
      VIGIE_STAGE: given.VIGIE_STAGE,
      // Other `vigie` commands run on this staging's clock (core/staging-time.ts).
      VIGIE_TIME_SCALE: String(clock.scale),
      VIGIE_CLOCK_ORIGIN: new Date(clock.origin).toISOString(),
      VIGIE_STATE_DIR: stateDir,
      DATABASE_URL: appUrl,
      DATABASE_MIGRATION_URL: ownerUrl,
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      ...localSecrets,
      ...observability.settings,
      ...prometheus.settings,
      ...providers.settings,
      // The Sentry integration's client secret the stand-in signs its alert webhooks with.
      ...(observability.standIns.sentry && !isSet(env, 'SENTRY_CLIENT_SECRET')
        ? { SENTRY_CLIENT_SECRET: randomBytes(24).toString('hex') }
        : {}),
      // The token of the app's Better Stack incident hook (the stand-in is given its URL).
      ...(betterstack && !isSet(env, 'BETTERSTACK_WEBHOOK_SECRET')
        ? { BETTERSTACK_WEBHOOK_SECRET: randomBytes(18).toString('base64url') }
        : {}),
    };
    const appConfig = parseConfig({ ...env, ...created });

    // A telemetry set up earlier in this process (a test, an embedding CLI) is reused and left
    // running; ours is shut down on stop so the next stack can point at its own stand-ins.
    const existing = getTelemetry();
    const telemetry =
      existing ??
      initTelemetry({
        serviceName: 'vigie-api',
        sentryDsn: appConfig.SENTRY_DSN,
        otlpEndpoint: appConfig.OTEL_EXPORTER_OTLP_ENDPOINT,
        environment: appConfig.VIGIE_STAGE,
        metricExportIntervalMs: options.metricExportIntervalMs ?? 10_000,
      });
    if (!existing) stops.push(() => telemetry.shutdown());

    const n8n =
      appConfig.N8N_BASE_URL && appConfig.N8N_API_KEY
        ? createN8nClient({
            baseUrl: appConfig.N8N_BASE_URL,
            apiKey: appConfig.N8N_API_KEY,
            timeoutMs: 5_000,
          })
        : undefined;
    const app = createApp({ config: appConfig, pool, redis, telemetry, ...(n8n ? { n8n } : {}) });
    const server = await step('app', () => serveApp(app, { port: given.PORT }));
    // In-flight requests get a moment to finish (an erasure completes rather than stops half-way).
    stops.push(() => server.close(IN_FLIGHT_GRACE_MS));
    live.appUrl = server.url;

    if (!isSet(env, 'APP_PUBLIC_URL')) created.APP_PUBLIC_URL = server.url;
    if (!isSet(env, 'FRONTEND_URL')) created.FRONTEND_URL = server.url;
    let monitors: CatalogMonitors | undefined;
    if (betterstack) {
      await step('incident webhook', () =>
        registerIncidentWebhook({
          baseUrl: betterstack.url,
          token: betterstack.token,
          hookUrl: `${server.url}/hooks/betterstack/incidents/${appConfig.BETTERSTACK_WEBHOOK_SECRET}`,
        }),
      );
      // The stand-in's monitors check this staging, never the public URLs the env may name.
      monitors = await step('monitors', () =>
        createCatalogMonitors({
          baseUrl: betterstack.url,
          token: betterstack.token,
          targets: {
            APP_PUBLIC_URL: server.url,
            FRONTEND_URL: server.url,
            N8N_WEBHOOK_BASE_URL:
              appConfig.N8N_WEBHOOK_BASE_URL ?? appConfig.N8N_BASE_URL ?? server.url,
          },
          log,
        }),
      );
      Object.assign(created, monitors.settings);
    }
    const config = parseConfig({ ...env, ...created });

    stops.push(startAlertDispatcher({ pool, config, clock, log, meter: telemetry.meter }).stop);
    const crashing = new Set<string>();
    const scheduler = createStagingScheduler({
      config,
      clock,
      telemetry,
      heartbeatUrls: monitors?.heartbeatUrls ?? {},
      log,
      crashing,
    });
    const tickers: Array<{ name: string; advanceTo(now: Date): Promise<unknown> }> = [
      {
        name: 'collector scheduler',
        // Started, not awaited: a long run must not hold the clock (nor the pinger) back.
        advanceTo: async (now) =>
          void scheduler
            .advanceTo(now)
            .catch((error) => log(`collector scheduler: ${String(error)}`)),
      },
    ];
    if (betterstack) {
      const heartbeatIds = monitors?.heartbeatIds ?? {};
      const pinger = createStagingPinger(
        betterstack.store,
        clock,
        () =>
          new Set(
            Object.keys(scheduler.running()).flatMap((name) =>
              heartbeatIds[name] ? [heartbeatIds[name]] : [],
            ),
          ),
      );
      tickers.push({ name: 'Better Stack pinger', advanceTo: pinger.advanceTo });
    }
    const sentryStandIn = observability.standIns.sentry;
    let sentryRules: ReturnType<typeof createSentryRuleEvaluator> | undefined;
    if (sentryStandIn) {
      // Sentry's issue and metric alert rules on the stand-in's events, sent as Sentry sends
      // them: signed webhooks to the app's `POST /hooks/sentry` (sandbox/staging/sentry-rules.ts).
      const rules = createSentryRuleEvaluator(sentryStandIn, {
        webhookUrl: `${server.url}${SENTRY_HOOK_PATH}`,
        clientSecret: appConfig.SENTRY_CLIENT_SECRET as string,
      });
      sentryRules = rules;
      tickers.push({ name: 'Sentry alert rules', advanceTo: rules.advanceTo });
    }
    const ticking = driveClock(clock, tickers, log);
    stops.push(async () => {
      await ticking.stop();
      await scheduler.idle();
    });

    const { rows } = await pool.query<{ user_id: string }>(
      'select user_id from public.prospects order by created_at, id limit 1',
    );
    // The fault switches, reachable from other processes (`npx vigie sandbox fault …`).
    const dnsStandIn = providers.standIns.dns;
    const faults = createFaultBoard(
      createFaultSwitches({
        pool,
        databaseUrl: postgres.url,
        standIns: { ...observability.standIns, ...providers.standIns, upstash: bridge },
        now: clock.now,
        crashing,
        republishDomain: (domain) => {
          if (dnsStandIn) publishDomain(dnsStandIn, domain, domainRecords);
        },
        latestCheckpoint: () => checkpointStoreFrom(config).latest(),
        app: { url: server.url, browserDsn: config.SENTRY_BROWSER_DSN },
      }),
      clock.now,
    );
    const control = await step('control', () => startControlEndpoint(faults));
    stops.push(async () => {
      await faults.clear().catch(() => {});
      await control.close();
    });
    created.VIGIE_CONTROL_URL = control.url;
    created.VIGIE_CONTROL_TOKEN = control.token;

    const envFile = path.join(stateDir, 'staging.env');
    await writeFile(envFile, toEnvFile(created), { mode: 0o600 });

    return {
      config,
      urls: {
        app: server.url,
        upstash: bridge.url,
        postgres: redact(postgres.url),
        redis: redisServer.url,
        ...(prometheus.url ? { prometheus: prometheus.url } : {}),
      },
      embedded: { postgres: postgres.embedded, redis: redisServer.embedded },
      services: [
        {
          name: 'Postgres',
          url: redact(postgres.url),
          from: postgres.embedded ? 'stand-in' : 'env',
        },
        { name: 'Redis', url: redisServer.url, from: redisServer.embedded ? 'stand-in' : 'env' },
        { name: 'Upstash REST bridge', url: bridge.url, from: 'stand-in' },
        ...observability.services,
        ...prometheus.services,
        ...providers.services,
        { name: 'Fault switches (npx vigie sandbox fault)', url: control.url, from: 'stand-in' },
      ],
      standIns: { ...observability.standIns, ...providers.standIns, upstash: bridge },
      monitors,
      demoUserId: rows[0]?.user_id,
      stateDir,
      envFile,
      faults,
      control: { url: control.url, token: control.token },
      sentryRules,
      now: clock.now,
      pool,
      redis,
      telemetry,
      timings,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs a stop step; past its budget it is left running and logged, and the stop moves on. */
async function withinBudget(
  undo: () => Promise<void>,
  budgetMs: number,
  log: (line: string) => void,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), budgetMs);
  });
  const outcome = await Promise.race([undo().catch(() => 'failed' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') log(`a stop step took over ${budgetMs / 1000} s; moving on`);
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** `NAME='value'` lines, for `set -a; . <file>; set +a` in another shell. */
function toEnvFile(settings: Record<string, string>): string {
  const lines = Object.entries(settings).map(
    ([name, value]) => `${name}='${value.replaceAll("'", "'\\''")}'`,
  );
  return `# Written by \`vigie start\`: the settings of the running local staging.\n${lines.join('\n')}\n`;
}
