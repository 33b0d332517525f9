import * as z from 'zod';
import { configSchema, SECRET_SETTINGS, type SettingName } from '../core/config.ts';
import { heartbeatSettings } from '../core/heartbeat-settings.ts';

/**
 * The stack's settings, validated once at the edge (every problem in one error). Two kinds of
 * keys live under the `vigie:` namespace of `Pulumi.<stack>.yaml`:
 * - the app's settings, by their one name from `core/config.ts` (`vigie:APP_PUBLIC_URL`), which
 *   reach the functions as environment variables — or, for secrets, as SSM SecureString
 *   parameters the functions read at cold start;
 * - the deploy's own knobs below (camelCase: they never reach a function).
 * The fault-injection switch is the app setting `VIGIE_FAULT_INJECTION`; prod refuses it.
 */
export const deploySchema = z.object({
  /** CloudWatch Logs retention; one of the values CloudWatch accepts. */
  logRetentionDays: z.coerce
    .number()
    .refine((d) => LOG_RETENTION_DAYS.includes(d), {
      message: `expected one of ${[1, 3, 5, 7, 14, 30, 60, 90, 180, 365].join(', ')}, … (CloudWatch's values)`,
    })
    .default(30),
  collectorMemoryMb: z.coerce.number().int().min(128).max(10_240).default(512),
  collectorTimeoutSeconds: z.coerce.number().int().min(1).max(900).default(120),
  apiMemoryMb: z.coerce.number().int().min(128).max(10_240).default(1024),
  apiTimeoutSeconds: z.coerce.number().int().min(1).max(29).default(29),
  /** API Gateway stage throttling (requests per second, and burst). */
  apiThrottleRatePerSecond: z.coerce.number().int().positive().default(50),
  apiThrottleBurst: z.coerce.number().int().positive().default(100),
  /** Alarm thresholds. */
  api5xxRatePercent: z.coerce.number().positive().max(100).default(5),
  apiP95LatencyMs: z.coerce.number().int().positive().default(1500),
  durationAlarmPercentOfTimeout: z.coerce.number().int().min(10).max(100).default(80),
  /** Scheduler retries before the event goes to the dead-letter queue. */
  scheduleMaxRetries: z.coerce.number().int().min(0).max(185).default(2),
  /** Slack channel the SLACK_WEBHOOK_URL posts to (shown in outputs and the status page). */
  slackAlertChannel: z.string().regex(/^#[a-z0-9_-]+$/, { message: 'expected #channel-name' }),
  /** Better Stack status page. */
  statusPageSubdomain: z.string().regex(/^[a-z0-9-]+$/, { message: 'expected a subdomain' }),
  statusPageCompanyName: z.string().min(1),
  statusPageCompanyUrl: z.url(),
  /** Sentry: the team owning the projects (the org is `SENTRY_ORG`). */
  sentryTeam: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { message: 'expected a team slug' }),
  /**
   * The Sentry internal integration the alert rules notify (webhook URL `<api>/hooks/sentry`,
   * "Alert Rule Action" on; created in Sentry's settings, which no Pulumi resource covers):
   * its app id (metric rules) and installation UUID (issue rules). Unset: the rules have no
   * Vigie action and alerts show in Sentry only.
   */
  sentryAppId: z
    .string()
    .regex(/^\d+$/, { message: 'expected the integration id (digits)' })
    .optional(),
  sentryAppInstallationUuid: z.uuid({ message: 'expected the installation UUID' }).optional(),
});

export type DeploySettings = z.infer<typeof deploySchema>;
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

/** Settings that only mean something on one machine, or that the program itself fills in. */
export const NOT_STACK_SETTINGS: readonly SettingName[] = [
  'PORT',
  'VIGIE_STATE_DIR',
  'VIGIE_TIME_SCALE',
  'VIGIE_CLOCK_ORIGIN',
  'REDIS_URL',
  'NODE_ENV',
  // The program creates the checkpoint bucket and names it; the endpoint is the local stand-in's.
  'AUDIT_CHECKPOINT_BUCKET',
  'AUDIT_CHECKPOINT_S3_ENDPOINT',
  ...Object.values(heartbeatSettings),
];

/**
 * Secrets a deployed stack cannot run without (each function's `requireSettings` names them);
 * the other secrets of `SECRET_SETTINGS` switch optional sources on (cost APIs, Sentry stats).
 */
export const REQUIRED_SECRETS = [
  'DATABASE_URL',
  'UPSTASH_REDIS_REST_TOKEN',
  'N8N_API_KEY',
  'N8N_HOOK_SECRET',
  'SLACK_WEBHOOK_URL',
  'SMTP_URL',
  'SUPPRESSION_HMAC_KEYS',
  'SUBJECT_SEAL_KEYS',
  'AUDIT_CHECKPOINT_KEY',
  'RECEIPT_SIGNING_KEY',
  'BETTERSTACK_API_TOKEN',
  'BETTERSTACK_WEBHOOK_SECRET',
] as const satisfies readonly (typeof SECRET_SETTINGS)[number][];

export interface StackSettings<Secret> {
  stack: 'staging' | 'prod';
  deploy: DeploySettings;
  /** Non-secret app settings, by their `core/config.ts` name, as strings for Lambda env. */
  app: Partial<Record<SettingName, string>>;
  /** Secret app settings that are set (values stay wrapped: a Pulumi secret output). */
  secrets: Partial<Record<(typeof SECRET_SETTINGS)[number], Secret>>;
}

export class StackConfigError extends Error {
  readonly problems: string[];
  constructor(stack: string, problems: string[]) {
    super(
      `Stack ${stack} has ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}:\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'StackConfigError';
    this.problems = problems;
  }
}

/**
 * Validates the `vigie:` keys of a stack. `plain` holds the clear-text keys (namespace
 * stripped), `secretNames` the keys set with `--secret`, read through `readSecret`.
 */
export function parseStackSettings<Secret>(
  stack: string,
  plain: Record<string, string>,
  secretNames: readonly string[],
  readSecret: (name: string) => Secret,
): StackSettings<Secret> {
  const problems: string[] = [];
  if (stack !== 'staging' && stack !== 'prod') {
    problems.push(`stack name ${stack}: expected staging or prod`);
  }
  const secretSet = new Set<string>(SECRET_SETTINGS);
  const deployInput: Record<string, string> = {};
  const app: Partial<Record<SettingName, string>> = {};
  for (const [key, value] of Object.entries(plain)) {
    if (key in deploySchema.shape) {
      deployInput[key] = value;
    } else if (!(key in configSchema.shape)) {
      problems.push(`vigie:${key}: not a setting of core/config.ts nor of infra/config.ts`);
    } else if ((NOT_STACK_SETTINGS as readonly string[]).includes(key)) {
      problems.push(`vigie:${key}: local-only or set by the program; remove it from the stack`);
    } else if (secretSet.has(key)) {
      problems.push(
        `vigie:${key} is a secret but is stored in clear text: \`pulumi config rm vigie:${key}\` then \`pulumi config set --secret vigie:${key} …\``,
      );
    } else {
      const parsed = configSchema.shape[key as SettingName].safeParse(value);
      if (parsed.success) app[key as SettingName] = value;
      else problems.push(`vigie:${key}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
  }
  const deploy = deploySchema.safeParse(deployInput);
  if (!deploy.success) {
    for (const issue of deploy.error.issues) {
      problems.push(`vigie:${issue.path.join('.')}: ${issue.message}`);
    }
  }
  if (app.VIGIE_STAGE !== stack) {
    problems.push(
      `vigie:VIGIE_STAGE: expected ${stack} (the stack's name), got ${app.VIGIE_STAGE ?? 'nothing'}`,
    );
  }
  if (
    stack === 'prod' &&
    app.VIGIE_FAULT_INJECTION !== undefined &&
    configSchema.shape.VIGIE_FAULT_INJECTION.parse(app.VIGIE_FAULT_INJECTION)
  ) {
    problems.push(
      'vigie:VIGIE_FAULT_INJECTION: refused on prod (fault switches are for staging drills)',
    );
  }
  const secrets: StackSettings<Secret>['secrets'] = {};
  for (const name of secretNames) {
    if (!secretSet.has(name)) {
      problems.push(`vigie:${name} is set as a secret but is not one of core/config.ts's secrets`);
      continue;
    }
    secrets[name as (typeof SECRET_SETTINGS)[number]] = readSecret(name);
  }
  if (problems.length > 0 || !deploy.success) throw new StackConfigError(stack, problems);
  return { stack: stack as 'staging' | 'prod', deploy: deploy.data, app, secrets };
}

/** The `pulumi config set --secret …` lines still missing, required ones first. */
export function missingSecrets(setNames: readonly string[], stack: string): string[] {
  const set = new Set(setNames);
  const line = (name: string) => `pulumi config set --secret --stack ${stack} vigie:${name} '…'`;
  const required = REQUIRED_SECRETS.filter((n) => !set.has(n)).map(line);
  const optional = SECRET_SETTINGS.filter(
    (n) => !set.has(n) && !(REQUIRED_SECRETS as readonly string[]).includes(n),
  ).map((n) => `${line(n)}   # optional`);
  return [...required, ...optional];
}
