import * as z from 'zod';
import { VigieError } from './errors.ts';
import { KEYRING_FORMAT, parseKeyring } from './privacy/keyring.ts';
import { type HeartbeatSettingName, heartbeatSettings } from './heartbeat-settings.ts';

/**
 * Every setting Vigie reads, by the one name it has everywhere: local env, Lambda env and
 * Pulumi config (`pulumi config set vigie:DATABASE_URL …` uses the same key).
 *
 * Only `api/`, `collectors/`, `cli/` and `sandbox/` read the environment; they pass it here.
 * Provider settings are optional as a whole: a piece that needs one calls `requireSettings`,
 * which names every missing variable at once.
 */
const url = z.url({ message: 'expected a URL, e.g. https://host:port' });
const secret = z.string().min(1, { message: 'expected a non-empty string' });
const keyring = z.string().superRefine((value, ctx) => {
  try {
    parseKeyring(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `${(error as Error).message} (${KEYRING_FORMAT})` });
  }
});
const usd = z.coerce.number({ message: 'expected a number of US dollars' }).nonnegative({
  message: 'expected a number of US dollars ≥ 0',
});

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /**
   * No default: a deployed function that forgot it must fail, not report (and behave as)
   * `local`, which makes keys on disk. `npm start` sets `local` itself.
   */
  VIGIE_STAGE: z.enum(['local', 'staging', 'prod'], {
    message:
      'expected one of local, staging, prod (npm start sets local; a deployment sets its own)',
  }),
  /** Timezone every schedule is written in. */
  VIGIE_TIMEZONE: z
    .string()
    .refine(isTimeZone, { message: 'expected an IANA timezone, e.g. Europe/Paris' })
    .default('Europe/Paris'),
  PORT: z.coerce
    .number({ message: 'expected a TCP port number' })
    .int({ message: 'expected a TCP port number' })
    .min(0, { message: 'expected a TCP port number (0–65535)' })
    .max(65535, { message: 'expected a TCP port number (0–65535)' })
    .default(8080),

  /** Local staging only: where embedded Postgres and Redis keep their data (git-ignored). */
  VIGIE_STATE_DIR: z.string().min(1).default('.vigie'),
  /** Local staging only: how much faster than real time the scheduler, pinger and alert loop run (drills). */
  VIGIE_TIME_SCALE: z.coerce
    .number({ message: 'expected a number, e.g. 60 for one hour per minute' })
    .min(1, { message: 'expected a number ≥ 1 (1 = real time)' })
    .max(10_080, { message: 'expected at most 10080 (one week per minute)' })
    .default(1),
  /**
   * Local staging only, written to `staging.env` by `vigie start`: the real instant its clock
   * started, so other `vigie` commands read the same (scaled) time the staging runs on.
   */
  VIGIE_CLOCK_ORIGIN: z.iso
    .datetime({ message: 'expected an ISO 8601 UTC time, e.g. 2026-11-30T12:00:00.000Z' })
    .optional(),

  /** Postgres (Supabase: the Supavisor transaction-mode URL, port 6543). */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'expected postgres://user:password@host:port/db' })
    .optional(),
  /**
   * The tables' owner, for `vigie migrate` and `vigie seed` only (DATABASE_URL when unset). The
   * app and the collectors connect with DATABASE_URL as the least-privilege role `vigie_app`.
   */
  DATABASE_MIGRATION_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'expected postgres://user:password@host:port/db' })
    .optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().positive().default(10),
  /**
   * How often `/healthz` and `/readyz` refresh their dependency snapshot (ms); probes read the
   * snapshot and never call a dependency themselves (api/dependency-health.ts).
   */
  HEALTH_REFRESH_MS: z.coerce.number().int().min(50).default(5_000),
  /** A plain Redis for local staging; the app itself talks to Upstash over REST. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { message: 'expected redis://host:port[/db]' })
    .optional(),
  UPSTASH_REDIS_REST_URL: url.optional(),
  UPSTASH_REDIS_REST_TOKEN: secret.optional(),

  N8N_BASE_URL: url.optional(),
  N8N_API_KEY: secret.optional(),
  /** Shared secret n8n's error workflow sends in `X-Vigie-Hook-Secret` to `POST /hooks/n8n/error`. */
  N8N_HOOK_SECRET: z.string().min(16, { message: 'expected at least 16 characters' }).optional(),
  /** n8n's `EXECUTIONS_DATA_MAX_AGE` (hours): the residual window an erasure receipt states. */
  N8N_EXECUTIONS_MAX_AGE_HOURS: z.coerce.number().int().positive().default(336),
  ANTHROPIC_BASE_URL: url.optional(),
  ANTHROPIC_API_KEY: secret.optional(),
  ANTHROPIC_ADMIN_KEY: secret.optional(),
  PHANTOMBUSTER_BASE_URL: url.optional(),
  PHANTOMBUSTER_API_KEY: secret.optional(),
  UPSTASH_API_BASE_URL: url.optional(),
  UPSTASH_API_EMAIL: z.email({ message: 'expected the Upstash account email' }).optional(),
  UPSTASH_API_KEY: secret.optional(),
  UPSTASH_DATABASE_ID: secret.optional(),
  BETTERSTACK_BASE_URL: url.optional(),
  BETTERSTACK_API_TOKEN: secret.optional(),
  /**
   * The path token of `POST /hooks/betterstack/incidents/<token>`: Better Stack signs nothing
   * (docs/alert-webhooks.md), so the URL it is given carries the secret. URL-safe.
   */
  BETTERSTACK_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{24,}$/, {
      message: 'expected at least 24 URL-safe characters (openssl rand -hex 16)',
    })
    .optional(),

  SUPABASE_JWKS_URL: url.optional(),
  SUPABASE_JWT_ISSUER: url.optional(),
  SUPABASE_JWT_SECRET: secret.optional(),

  SENTRY_DSN: url.optional(),
  /** The frontend's DSN (often its own Sentry project); the tunnel forwards it and SENTRY_DSN. */
  SENTRY_BROWSER_DSN: url.optional(),
  /** Sentry's web API (org stats for the weekly summary): base URL, org slug, token with org:read. */
  SENTRY_API_BASE_URL: url.optional(),
  SENTRY_ORG: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'expected the organization slug, e.g. acme' })
    .optional(),
  SENTRY_AUTH_TOKEN: secret.optional(),
  /** The Sentry internal integration's client secret: it signs the alert webhooks it sends. */
  SENTRY_CLIENT_SECRET: secret.optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
  /**
   * Prometheus HTTP API (the part before `/api/v1`) that the weekly summary and `vigie
   * dashboards` query: the local Prometheus on staging, Grafana Cloud's Prometheus endpoint in
   * prod (`https://prometheus-….grafana.net/api/prom`, basic auth: instance id and a token with
   * metrics:read).
   */
  PROMETHEUS_QUERY_URL: url.optional(),
  PROMETHEUS_QUERY_USER: z.string().min(1).optional(),
  PROMETHEUS_QUERY_TOKEN: secret.optional(),
  SLACK_WEBHOOK_URL: url.optional(),
  /** Alert links: runbooks as `<base>/<slug>.md`, and the dashboard an alert message links to. */
  ALERT_RUNBOOK_BASE_URL: url.optional(),
  ALERT_DASHBOARD_URL: url.optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, { message: 'expected smtp://user:pass@host:port' })
    .optional(),
  ALERT_EMAIL_TO: z.email({ message: 'expected an email address' }).optional(),
  REPORT_EMAIL_TO: z.email({ message: 'expected an email address' }).optional(),
  MAIL_FROM: z.email({ message: 'expected an email address' }).default('vigie@localhost.test'),

  /**
   * Keyrings (`id:secret,…`, newest first; core/privacy/keyring.ts), one per purpose: the
   * suppression list's HMAC digests, and the seal of an open erasure's identifiers. Separate,
   * so rotating one never strands the other; docs/key-rotation.md.
   */
  SUPPRESSION_HMAC_KEYS: keyring.optional(),
  SUBJECT_SEAL_KEYS: keyring.optional(),
  /** Replaced by the two keyrings above: named so a stale deployment says what to do. */
  SUPPRESSION_HMAC_KEY: z
    .undefined({
      message:
        'replaced: set SUPPRESSION_HMAC_KEYS=k1:<this same secret> (old digests keep matching) and a new SUBJECT_SEAL_KEYS=s1:<another secret>',
    })
    .optional(),
  /**
   * Signs the audit log's chain-head checkpoints (Ed25519): a secret of ≥ 32 characters or a
   * PKCS#8 PEM, never the receipt key and never in the database. Local staging makes its own.
   */
  AUDIT_CHECKPOINT_KEY: z
    .string()
    .min(32, { message: 'expected at least 32 characters' })
    .optional(),
  /**
   * Where signed audit checkpoints are kept (docs/audit-anchoring.md): `file` (the state
   * directory: local staging's default), `s3` (an Object Lock bucket, AUDIT_CHECKPOINT_BUCKET:
   * the default of a deployed stage that names one), `upstash` (a stream; the fallback of a
   * deployed stage without a bucket: no write-once retention).
   */
  AUDIT_CHECKPOINT_STORE: z.enum(['file', 's3', 'upstash']).optional(),
  /** The S3 bucket of the checkpoints, created with Object Lock enabled. */
  AUDIT_CHECKPOINT_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'expected an S3 bucket name' })
    .optional(),
  /** How long each checkpoint object is locked (COMPLIANCE mode: nobody can shorten it). */
  AUDIT_CHECKPOINT_RETENTION_DAYS: z.coerce.number().int().positive().max(36_500).default(1_095),
  /** An S3-compatible endpoint, path-style (the stand-in, tests); unset: AWS's own. */
  AUDIT_CHECKPOINT_S3_ENDPOINT: z.url().optional(),
  RECEIPT_SIGNING_KEY: z
    .string()
    .min(32, { message: 'expected at least 32 characters' })
    .optional(),

  /** Privacy policy (web/privacy-policy.ts): the controller's identity and retention periods. */
  PRIVACY_CONTROLLER_NAME: z.string().min(1).default('Example Prospecting SAS'),
  PRIVACY_CONTROLLER_ADDRESS: z.string().min(1).default('1 rue de l’Exemple, 75000 Paris, France'),
  PRIVACY_CONTACT_EMAIL: z
    .email({ message: 'expected the privacy contact email address' })
    .default('privacy@localhost.test'),
  /** Data protection officer contact; unset means none is designated. */
  PRIVACY_DPO_CONTACT: z.string().min(1).optional(),
  /** Where the n8n instance runs, as the policy names it. */
  PRIVACY_N8N_HOST: z.string().min(1).default('self-hosted n8n instance (EU)'),
  PRIVACY_PROSPECT_RETENTION_MONTHS: z.coerce.number().int().positive().default(36),
  PRIVACY_BACKUP_RETENTION_DAYS: z.coerce.number().int().positive().default(7),
  PRIVACY_POLICY_DATE: z.iso.date({ message: 'expected YYYY-MM-DD' }).default('2026-11-26'),

  BUDGET_ANTHROPIC_USD: usd.default(200),
  BUDGET_UPSTASH_USD: usd.default(20),
  BUDGET_PHANTOMBUSTER_USD: usd.default(69),
  BUDGET_SUPABASE_USD: usd.default(25),

  /**
   * The plans Vigie runs on (core/capacity/providers.ts): the capacity report starts from them
   * and the local stand-ins enforce them (n8n concurrency, PhantomBuster slots, Claude tier).
   */
  N8N_PLAN: z
    .enum(['starter', 'pro', 'pro-50k', 'enterprise'], {
      message: 'expected one of starter, pro, pro-50k, enterprise',
    })
    .default('starter'),
  PHANTOMBUSTER_PLAN: z
    .enum(['starter', 'pro', 'team'], { message: 'expected one of starter, pro, team' })
    .default('starter'),
  ANTHROPIC_TIER: z
    .enum(['tier1', 'tier2', 'tier3', 'tier4'], {
      message: 'expected one of tier1, tier2, tier3, tier4',
    })
    .default('tier2'),

  /** Enrichment gateway (`POST /enrichments`): model, output cap and each tenant's daily budget. */
  ENRICHMENT_MODEL: z.string().min(1).default('claude-haiku-5-5'),
  ENRICHMENT_MAX_TOKENS: z.coerce.number().int().min(16).max(4096).default(300),
  ENRICHMENT_DAILY_BUDGET_USD: usd.default(1),
  /**
   * Where the org-wide Claude limiter lives: `shared` in Upstash Redis (every instance takes
   * from the same buckets; needs UPSTASH_REDIS_REST_URL/TOKEN), `process` in each process's
   * memory, `auto` = shared when the Upstash settings are present (docs/load/enrichment-gateway.md).
   */
  ENRICHMENT_LIMITER: z
    .enum(['auto', 'shared', 'process'], { message: 'expected one of auto, shared, process' })
    .default('auto'),

  /** Scheduled monitors (collectors/): what Better Stack checks, where DNS is asked, heartbeats. */
  APP_PUBLIC_URL: url.optional(),
  N8N_WEBHOOK_BASE_URL: url.optional(),
  FRONTEND_URL: url.optional(),
  /** `host:port` of the DNS server for SPF/DKIM/DMARC lookups; the system resolver when unset. */
  DNS_RESOLVER: z
    .string()
    .regex(/^[\w.:[\]-]+:\d+$/, { message: 'expected host:port, e.g. 127.0.0.1:5353' })
    .optional(),
  /** Comma-separated DKIM selectors to look up (`<selector>._domainkey.<domain>`). */
  DKIM_SELECTORS: z.string().min(1).default('vigie'),
  /** Onboarding checks: the click-tracking CNAME `<host>.<domain>` must point at the target. */
  TRACKING_CNAME_HOST: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/, { message: 'expected one DNS label, e.g. track' })
    .default('track'),
  TRACKING_CNAME_TARGET: z
    .string()
    .regex(/^[a-z0-9.-]+\.[a-z]{2,}\.?$/i, { message: 'expected a host name, e.g. t.example.com' })
    .optional(),
  /** Hours after a sending domain is added before "still unverified" alerts. */
  ONBOARDING_DOMAIN_GRACE_HOURS: z.coerce.number().positive().default(24),
  /** db-health: seconds a session may wait on a lock, and a transaction stay open, before alerting. */
  DB_HEALTH_BLOCKED_SECONDS: z.coerce.number().positive().default(30),
  DB_HEALTH_LONG_TRANSACTION_SECONDS: z.coerce.number().positive().default(300),
  /**
   * Drills' fault switches (staging only): lets `vigie sandbox fault` and game days reach a
   * deployed stack. The Pulumi program refuses it on prod (`infra/config.ts`).
   */
  VIGIE_FAULT_INJECTION: z.stringbool({ message: 'expected true or false' }).default(false),
  /**
   * Deployed stacks: the SSM SecureString parameter names (comma-separated) a function reads
   * its secrets from at cold start (`adapters/aws/ssm-secrets.ts`); set by the Pulumi program.
   */
  VIGIE_SSM_SECRETS: z.string().optional(),
  /** The SNS topic whose CloudWatch alarms `POST /hooks/aws/sns` accepts (set by the program). */
  AWS_SNS_TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
      message:
        'expected an SNS topic ARN, e.g. arn:aws:sns:eu-west-3:123456789012:vigie-prod-alarms',
    })
    .optional(),
  /** `HEARTBEAT_URL_<COLLECTOR>`: one per catalog collector, derived so none can be missing. */
  ...heartbeatUrlSettings(),
});

function heartbeatUrlSettings() {
  return Object.fromEntries(
    Object.values(heartbeatSettings).map((name) => [name, url.optional()]),
  ) as Record<HeartbeatSettingName, z.ZodOptional<typeof url>>;
}

export type Config = z.infer<typeof configSchema>;
export type SettingName = keyof Config;

/**
 * Settings that are secrets: set with `pulumi config set --secret`, stored as SSM SecureString
 * parameters, never in a stack file or a resource input in clear text. `config.test.ts` checks
 * every field typed as a secret is listed, so a new key or token cannot slip through.
 */
export const SECRET_SETTINGS = [
  'DATABASE_URL',
  'UPSTASH_REDIS_REST_TOKEN',
  'N8N_API_KEY',
  'N8N_HOOK_SECRET',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_ADMIN_KEY',
  'PHANTOMBUSTER_API_KEY',
  'UPSTASH_API_KEY',
  'UPSTASH_DATABASE_ID',
  'BETTERSTACK_API_TOKEN',
  'BETTERSTACK_WEBHOOK_SECRET',
  'SUPABASE_JWT_SECRET',
  'SENTRY_AUTH_TOKEN',
  'SENTRY_CLIENT_SECRET',
  'PROMETHEUS_QUERY_TOKEN',
  'SLACK_WEBHOOK_URL',
  'SMTP_URL',
  'DATABASE_MIGRATION_URL',
  'SUPPRESSION_HMAC_KEYS',
  'SUBJECT_SEAL_KEYS',
  'AUDIT_CHECKPOINT_KEY',
  'RECEIPT_SIGNING_KEY',
] as const satisfies readonly SettingName[];

/** True when `schema` is the shared `secret` shape (possibly optional). */
export function isSecretShaped(name: SettingName): boolean {
  const field = configSchema.shape[name] as z.ZodType;
  const inner = field instanceof z.ZodOptional ? field.unwrap() : field;
  return inner === secret;
}

/** Parses the environment, reporting every problem in one error. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = configSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    const got = name in cleaned ? '' : ' (not set)';
    return `${name}: ${issue.message}${got}`;
  });
  throw new VigieError(
    'CONFIG_INVALID',
    `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`,
    { details: { variables: result.error.issues.map((i) => i.path.join('.')) } },
  );
}

/** Narrows `config` so that `names` are set, or names every missing one in one error. */
export function requireSettings<K extends SettingName>(
  config: Config,
  names: readonly K[],
  purpose: string,
): Config & { [P in K]-?: NonNullable<Config[P]> } {
  const missing = names.filter((name) => config[name] === undefined);
  if (missing.length > 0) {
    throw new VigieError(
      'CONFIG_INVALID',
      `${purpose} needs ${missing.join(', ')}: set ${missing.length === 1 ? 'it' : 'them'} in the environment (or with \`pulumi config set vigie:<NAME>\`).`,
      { details: { variables: missing } },
    );
  }
  return config as Config & { [P in K]-?: NonNullable<Config[P]> };
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
