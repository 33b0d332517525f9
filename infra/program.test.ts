import * as rpc from '@pulumi/pulumi/runtime/rpc.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { alerts } from '../core/catalog/alerts.ts';
import { apiAlerts } from '../core/catalog/api-alerts.ts';
import { collectors } from '../core/catalog/collectors.ts';
import { heartbeats, httpMonitors } from '../core/catalog/monitors.ts';
import { SECRET_SETTINGS } from '../core/config.ts';
import { heartbeatSettingName } from '../core/heartbeat-settings.ts';
import { lambdaBundles } from './build/bundles.ts';
import { secretNeeds } from './build/secret-needs.ts';
import { NAME_LIMITS } from './naming.ts';
import { SCHEDULE_INPUT } from './schedule-input.ts';
import { type Plan, type PlannedResource, planStack } from './plan.ts';
import { readStackFile } from './stack-files.ts';

// The program runs under Pulumi's mocks (installed by planStack before the program module is
// imported); every output the assertions use is awaited. Each secret gets a canary value that
// must never appear in a resource input except the SSM parameter that stores it.
const canary = (name: string) => `canary-${name.toLowerCase()}-8c1f`;
const secrets = Object.fromEntries(SECRET_SETTINGS.map((name) => [name, canary(name)]));
const plans: Record<string, Plan> = {};
const root = process.cwd();
const needs = secretNeeds(root);

beforeAll(async () => {
  plans.staging = await planStack('staging', { root, secrets });
  plans.prod = await planStack('prod', { root, secrets });
}, 60_000);

/** A planned Lambda function's environment variables. */
const envOf = (fn: PlannedResource) =>
  (fn.inputs.environment as { variables: Record<string, string> }).variables;
const ofType = (plan: Plan, type: string) => plan.resources.filter((r) => r.type === type);
const dynamic = (plan: Plan, kind: string) =>
  plan.resources.filter(
    (r) => r.type.startsWith('pulumi-nodejs:dynamic') && r.inputs.kind === kind,
  );

describe.each(['staging', 'prod'])('the %s stack', (stack) => {
  const plan = () => plans[stack]!;

  it('gives every catalog collector a function, a schedule, a DLQ, alarms, a heartbeat and log retention', () => {
    const functions = ofType(plan(), 'aws:lambda/function:Function');
    const schedules = ofType(plan(), 'aws:scheduler/schedule:Schedule');
    const queues = ofType(plan(), 'aws:sqs/queue:Queue');
    const alarms = ofType(plan(), 'aws:cloudwatch/metricAlarm:MetricAlarm');
    const logGroups = ofType(plan(), 'aws:cloudwatch/logGroup:LogGroup');
    const beats = dynamic(plan(), 'heartbeat');
    for (const collector of collectors) {
      const fn = functions.find(
        (f) => f.inputs.name === `vigie-${stack}-collector-${collector.name}`,
      );
      expect(fn, collector.name).toBeDefined();
      expect(fn!.inputs).toMatchObject({
        runtime: 'nodejs24.x',
        architectures: ['arm64'],
        handler: 'index.handler',
      });
      const schedule = schedules.find((s) => s.name === `collector-${collector.name}Schedule`);
      expect(schedule?.inputs).toMatchObject({
        scheduleExpression: collector.schedule,
        scheduleExpressionTimezone: 'Europe/Paris',
        target: { arn: expect.stringContaining(`collector-${collector.name}Function`) },
      });
      expect(JSON.parse(String((schedule!.inputs.target as { input: string }).input))).toEqual(
        SCHEDULE_INPUT,
      );
      const target = schedule!.inputs.target as {
        retryPolicy: { maximumRetryAttempts: number };
        deadLetterConfig: { arn: string };
      };
      expect(target.retryPolicy.maximumRetryAttempts).toBeGreaterThanOrEqual(0);
      const dlq = queues.find((q) => q.name === `collector-${collector.name}DeadLetters`);
      expect(target.deadLetterConfig.arn).toContain(dlq!.name);
      const own = alarms.filter((a) => a.name.startsWith(`collector-${collector.name}`));
      expect(own.map((a) => a.inputs.metricName).sort()).toEqual(
        ['ApproximateNumberOfMessagesVisible', 'Duration', 'Errors', 'Throttles'].sort(),
      );
      const duration = own.find((a) => a.inputs.metricName === 'Duration')!;
      expect(duration.inputs.threshold).toBeLessThan((fn!.inputs.timeout as number) * 1000);
      const logs = logGroups.find((l) => l.inputs.name === `/aws/lambda/${fn!.inputs.name}`);
      expect(logs?.inputs.retentionInDays).toBeGreaterThan(0);
      const beat = beats.find((b) =>
        String((b.inputs.attributes as { name: string }).name).endsWith(
          `Collector ${collector.name}`,
        ),
      );
      expect(beat, collector.name).toBeDefined();
      // The heartbeat's URL reaches the function as its HEARTBEAT_URL_* variable.
      const env = envOf(fn!);
      expect(env[heartbeatSettingName(collector.name)]).toBe(
        `https://uptime.betterstack.com/api/v1/heartbeat/${beat!.name}`,
      );
    }
    expect(beats).toHaveLength(heartbeats.length);
  });

  it('gives every catalog monitor a Better Stack monitor with the catalog timing, on a policy and the status page', () => {
    const monitors = dynamic(plan(), 'monitor');
    expect(monitors).toHaveLength(httpMonitors.length);
    for (const m of httpMonitors) {
      const found = monitors.find((r) => r.name === `uptime-${m.id}`);
      expect(found?.inputs.attributes, m.id).toMatchObject({
        check_frequency: m.checkFrequencySeconds,
        confirmation_period: m.confirmationPeriodSeconds,
        request_timeout: m.requestTimeoutSeconds,
        url: expect.stringMatching(new RegExp(`^https://.+${m.path.replace('/', '\\/')}$`)),
        policy_id: expect.any(Number),
      });
    }
    expect(dynamic(plan(), 'status-page')).toHaveLength(1);
    expect(dynamic(plan(), 'status-page-resource')).toHaveLength(httpMonitors.length);
  });

  it('routes every catalog alert: raised by a collector, by the API, or by an alarm through SNS', () => {
    const raisedByCollectors = new Set(collectors.flatMap((c) => c.alerts));
    const alarmAlerts = new Set(
      ofType(plan(), 'aws:cloudwatch/metricAlarm:MetricAlarm').map(
        (a) => /^\[vigie:([a-z0-9-]+)\]/.exec(String(a.inputs.alarmDescription))?.[1],
      ),
    );
    const sentryRules = plan()
      .resources.filter((r) => r.type.startsWith('sentry:'))
      .map((r) => /^\[vigie:([a-z0-9-]+)\]/.exec(String(r.inputs.name ?? ''))?.[1]);
    for (const id of alarmAlerts) expect(alerts.map((a) => a.id)).toContain(id);
    const subscription = ofType(plan(), 'aws:sns/topicSubscription:TopicSubscription');
    expect(subscription).toHaveLength(1);
    expect(subscription[0]!.inputs).toMatchObject({
      protocol: 'https',
      endpoint: expect.stringMatching(/\/hooks\/aws\/sns$/),
    });
    for (const alarm of ofType(plan(), 'aws:cloudwatch/metricAlarm:MetricAlarm')) {
      expect(alarm.inputs.alarmActions).toEqual([expect.stringContaining('alarmsTopic')]);
    }
    const routed = new Set([
      ...raisedByCollectors,
      ...alarmAlerts,
      ...sentryRules,
      ...Object.keys(apiAlerts),
    ]);
    // Exactly the catalog alerts nothing raises yet: a new alert without a route fails here,
    // and so does one of these once it gets a producer (take it off the list then).
    expect(
      alerts
        .map((a) => a.id)
        .filter((id) => !routed.has(id))
        .sort(),
    ).toEqual([...NOT_PRODUCED_YET].sort());
  });

  it("sends Better Stack incidents to the API's hook through the monitors' policy, the team as fallback", () => {
    const [webhook] = dynamic(plan(), 'outgoing-webhook');
    // Its attributes carry the token in the URL: the whole input is a Pulumi secret.
    const wrapped = webhook!.inputs.attributes as Record<string, unknown>;
    expect(wrapped[rpc.specialSigKey]).toBe(rpc.specialSecretSig);
    expect(wrapped.value).toMatchObject({
      trigger_type: 'incident_change',
      on_incident_started: true,
      on_incident_resolved: true,
      url: expect.stringMatching(
        new RegExp(
          `^https://.+/hooks/betterstack/incidents/${secrets.BETTERSTACK_WEBHOOK_SECRET}$`,
        ),
      ),
    });
    const [policy] = dynamic(plan(), 'policy');
    const steps = (policy!.inputs.attributes as { steps: Array<{ step_members: unknown[] }> })
      .steps;
    expect(steps[0]!.step_members).toEqual([
      { type: 'webhook', id: expect.anything() },
      { type: 'entire_team' },
    ]);
  });

  it('puts no secret value in any resource input but its SSM SecureString parameter', () => {
    for (const resource of plan().resources) {
      const text = JSON.stringify(resource.inputs);
      for (const [name, value] of Object.entries(secrets)) {
        if (!text.includes(value)) continue;
        if (name === 'BETTERSTACK_WEBHOOK_SECRET' && resource.name === 'uptimeIncidentWebhook') {
          // The one secret a provider must be given: Better Stack signs nothing, so the URL it
          // calls carries the token — as a Pulumi secret (encrypted in the state).
          expect(JSON.stringify(resource.inputs.attributes)).toContain(rpc.specialSecretSig);
          continue;
        }
        expect(resource.type, `${name} in ${resource.name}`).toBe('aws:ssm/parameter:Parameter');
        expect(resource.inputs).toMatchObject({
          type: 'SecureString',
          name: `/vigie/${stack}/${name}`,
        });
        // Wrapped as a Pulumi secret: encrypted in the state, masked in previews.
        expect(resource.inputs.value).toEqual({ [rpc.specialSigKey]: rpc.specialSecretSig, value });
      }
    }
    const parameters = ofType(plan(), 'aws:ssm/parameter:Parameter');
    expect(parameters).toHaveLength(SECRET_SETTINGS.length);
  });

  it("gives each function only the secrets its code reads, the same ones in its env and its role's policy", () => {
    const functions = ofType(plan(), 'aws:lambda/function:Function');
    const policies = ofType(plan(), 'aws:iam/rolePolicy:RolePolicy');
    const parameterArn = (setting: string) =>
      `arn:aws:ssm:eu-west-3:123456789012:secrets${setting}`;
    const granted: Record<string, string[]> = {};
    for (const bundle of lambdaBundles) {
      const fn = functions.find((f) => f.name === `${bundle.name}Function`)!;
      const names = envOf(fn)
        .VIGIE_SSM_SECRETS!.split(',')
        .map((n) => n.split('/').pop()!);
      expect(names, bundle.name).toEqual(needs[bundle.name]);
      expect(envOf(fn).VIGIE_SSM_SECRETS!.split(',')).toEqual(
        names.map((n) => `/vigie/${stack}/${n}`),
      );
      const policy = policies.find((p) => p.name === `${bundle.name}Policy`)!;
      const document = JSON.parse(String(policy.inputs.policy)) as {
        Statement: Array<{ Sid: string; Action: string; Resource: string[] }>;
      };
      const read = document.Statement.find((st) => st.Sid === 'ReadOwnSecrets')!;
      expect(read.Action).toBe('ssm:GetParameters');
      expect(read.Resource, bundle.name).toEqual(names.map(parameterArn));
      granted[bundle.name] = names;
    }
    // What that derivation must find, checked against the wirings as written.
    expect(granted['collector-alert-dispatch']).toEqual([
      'DATABASE_URL',
      'SLACK_WEBHOOK_URL',
      'SMTP_URL',
    ]);
    expect(granted['collector-n8n-failure-rate']).toEqual(['DATABASE_URL', 'N8N_API_KEY']);
    expect(granted['collector-cost']).toContain('ANTHROPIC_ADMIN_KEY');
    expect(granted.api).toEqual(
      expect.arrayContaining(['SUPABASE_JWT_SECRET', 'N8N_HOOK_SECRET', 'RECEIPT_SIGNING_KEY']),
    );
    expect(granted.api).not.toContain('ANTHROPIC_ADMIN_KEY');
    expect(granted.api).not.toContain('SLACK_WEBHOOK_URL');
    // No function reads every secret; the owner's database URL reaches none.
    for (const [name, names] of Object.entries(granted)) {
      expect(names.length, name).toBeLessThan(SECRET_SETTINGS.length);
      expect(names, name).not.toContain('DATABASE_MIGRATION_URL');
    }
  });

  it('grants no IAM action on every resource, and no wildcard action at all', () => {
    const policies = ofType(plan(), 'aws:iam/rolePolicy:RolePolicy');
    expect(policies.length).toBeGreaterThan(collectors.length);
    for (const policy of policies) {
      const document = JSON.parse(String(policy.inputs.policy)) as {
        Statement: Array<{ Action: string | string[]; Resource: string | string[] }>;
      };
      for (const statement of document.Statement) {
        const actions = [statement.Action].flat();
        const resources = [statement.Resource].flat();
        expect(
          actions.some((a) => a === '*' || a.endsWith(':*')),
          policy.name,
        ).toBe(false);
        expect(resources.includes('*'), policy.name).toBe(false);
      }
    }
  });

  it('keeps the audit checkpoints in an Object Lock bucket that only the audit-anchor function may write, not delete', async () => {
    const { plain } = await readStackFile(root, stack);
    const retentionDays = Number(plain.AUDIT_CHECKPOINT_RETENTION_DAYS);
    expect(plain.AUDIT_CHECKPOINT_STORE).toBe('s3');
    expect(retentionDays).toBeGreaterThan(0);
    const one = (type: string) => {
      const found = ofType(plan(), type);
      expect(found, type).toHaveLength(1);
      return found[0]!;
    };
    const bucket = one('aws:s3/bucket:Bucket');
    expect(bucket.inputs).toMatchObject({ objectLockEnabled: true, forceDestroy: false });
    // The name the provider makes (the prefix and a 26-character suffix), as the writer gets
    // it, within S3's rules (3–63 lowercase letters, digits, dots, hyphens; no IP form).
    const prefix = String(bucket.inputs.bucketPrefix);
    expect(prefix.length).toBeLessThanOrEqual(NAME_LIMITS.s3BucketPrefix);
    const anchorFn = ofType(plan(), 'aws:lambda/function:Function').find(
      (f) => f.name === 'collector-audit-anchorFunction',
    )!;
    const name = String(envOf(anchorFn).AUDIT_CHECKPOINT_BUCKET);
    expect(name.startsWith(prefix)).toBe(true);
    expect(name).toHaveLength(prefix.length + 26);
    expect(name).toMatch(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/);
    expect(name).not.toMatch(/\.\.|^\d+\.\d+\.\d+\.\d+$/);
    const bucketId = `${bucket.name}-id`;
    const bucketArn = `arn:aws:s3:eu-west-3:123456789012:${bucket.name}`;
    expect(
      one('aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration').inputs,
    ).toEqual(
      expect.objectContaining({
        bucket: bucketId,
        objectLockEnabled: 'Enabled',
        rule: { defaultRetention: { mode: 'COMPLIANCE', days: retentionDays } },
      }),
    );
    expect(one('aws:s3/bucketVersioning:BucketVersioning').inputs).toMatchObject({
      bucket: bucketId,
      versioningConfiguration: { status: 'Enabled' },
    });
    expect(one('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock').inputs).toMatchObject({
      bucket: bucketId,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    const encryption = one(
      'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
    );
    expect(encryption.inputs).toMatchObject({
      bucket: bucketId,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    const bucketPolicy = JSON.parse(
      String(one('aws:s3/bucketPolicy:BucketPolicy').inputs.policy),
    ) as { Statement: unknown[] };
    expect(bucketPolicy.Statement).toEqual([
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);

    // The writer: told the store and the bucket's name; no other function is.
    const functions = ofType(plan(), 'aws:lambda/function:Function');
    for (const fn of functions) {
      const env = envOf(fn);
      if (fn.name === 'collector-audit-anchorFunction') {
        expect(env).toMatchObject({
          AUDIT_CHECKPOINT_STORE: 's3',
          AUDIT_CHECKPOINT_BUCKET: name,
          AUDIT_CHECKPOINT_RETENTION_DAYS: String(retentionDays),
        });
      } else expect(env.AUDIT_CHECKPOINT_BUCKET, fn.name).toBeUndefined();
    }
    // Its role's S3 statements: exactly what s3CheckpointStore calls, on this bucket's
    // checkpoint keys; no role anywhere else gets any S3 action.
    const s3Statements = (policyName: string) => {
      const policy = ofType(plan(), 'aws:iam/rolePolicy:RolePolicy').find(
        (p) => p.name === policyName,
      )!;
      return (
        JSON.parse(String(policy.inputs.policy)) as {
          Statement: Array<{ Action: string | string[] }>;
        }
      ).Statement.filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:')));
    };
    expect(s3Statements('collector-audit-anchorPolicy')).toEqual([
      {
        Sid: 'AuditCheckpointsWrite',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:PutObjectRetention', 's3:GetObject'],
        Resource: `${bucketArn}/audit-checkpoints/*`,
      },
      {
        Sid: 'AuditCheckpointsList',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: bucketArn,
        Condition: { StringLike: { 's3:prefix': 'audit-checkpoints/*' } },
      },
    ]);
    for (const policy of ofType(plan(), 'aws:iam/rolePolicy:RolePolicy')) {
      if (policy.name !== 'collector-audit-anchorPolicy')
        expect(s3Statements(policy.name), policy.name).toEqual([]);
    }
  });

  it('keeps every physical name within its AWS limit', () => {
    const limits: Array<[string, string, number]> = [
      ['aws:lambda/function:Function', 'name', NAME_LIMITS.lambda],
      ['aws:iam/role:Role', 'name', NAME_LIMITS.iamRole],
      ['aws:sqs/queue:Queue', 'name', NAME_LIMITS.sqs],
      ['aws:scheduler/schedule:Schedule', 'name', NAME_LIMITS.schedule],
      ['aws:cloudwatch/metricAlarm:MetricAlarm', 'name', NAME_LIMITS.alarm],
      ['aws:cloudwatch/logGroup:LogGroup', 'name', NAME_LIMITS.logGroup],
      ['aws:sns/topic:Topic', 'name', NAME_LIMITS.snsTopic],
    ];
    for (const [type, field, limit] of limits) {
      const found = ofType(plan(), type);
      expect(found.length, type).toBeGreaterThan(0);
      for (const r of found)
        expect(String(r.inputs[field]).length, `${type} ${r.name}`).toBeLessThanOrEqual(limit);
    }
    expect(ofType(plan(), 'aws:lambda/function:Function').map((f) => f.inputs.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^[A-Za-z0-9_-]+$/)]),
    );
  });
});

/** In the catalog before their producer exists (core/catalog/alerts.ts says so). */
const NOT_PRODUCED_YET: string[] = [];

describe('staging and prod', () => {
  it('switch fault injection on only in staging', () => {
    const env = (plan: Plan) => ofType(plan, 'aws:lambda/function:Function').map((f) => envOf(f));
    expect(env(plans.staging!).every((e) => e.VIGIE_FAULT_INJECTION === 'true')).toBe(true);
    expect(env(plans.prod!).every((e) => e.VIGIE_FAULT_INJECTION === 'false')).toBe(true);
  });

  it('refuses a prod stack that turns fault injection on', async () => {
    const prod = await readStackFile(root, 'prod');
    await expect(
      planStack('prod', { root, secrets, plain: { ...prod.plain, VIGIE_FAULT_INJECTION: 'true' } }),
    ).rejects.toThrow(/VIGIE_FAULT_INJECTION: refused on prod/);
  });

  it("make the Sentry rules notify Vigie's integration once its ids are configured", async () => {
    const file = await readStackFile(root, 'staging');
    const wired = await planStack('staging', {
      root,
      secrets,
      plain: {
        ...file.plain,
        sentryAppId: '123',
        sentryAppInstallationUuid: '7a485448-a9e2-4c85-8a3c-4f44175783c9',
      },
    });
    const issueRules = ofType(wired, 'sentry:index/sentryIssueAlert:SentryIssueAlert');
    const metricRules = ofType(wired, 'sentry:index/sentryMetricAlert:SentryMetricAlert');
    expect(issueRules.length).toBeGreaterThan(0);
    expect(metricRules).toHaveLength(issueRules.length);
    for (const rule of issueRules) {
      expect(rule.inputs.actions).toEqual([
        {
          id: 'sentry.rules.actions.notify_event_sentry_app.NotifyEventSentryAppAction',
          sentryAppInstallationUuid: '7a485448-a9e2-4c85-8a3c-4f44175783c9',
        },
      ]);
    }
    for (const rule of metricRules) {
      expect((rule.inputs.triggers as Array<{ actions: unknown }>)[0]!.actions).toEqual([
        { type: 'sentry_app', targetType: 'sentry_app', targetIdentifier: '123' },
      ]);
    }
    // Without the ids (the stack files as committed) the rules carry no action.
    for (const rule of ofType(plans.staging!, 'sentry:index/sentryIssueAlert:SentryIssueAlert'))
      expect(rule.inputs.actions).toEqual([]);
  });

  it('have the same inventory, their inputs differing only where their config files differ', async () => {
    const inventory = (plan: Plan) => plan.resources.map((r) => `${r.type} ${r.name}`).sort();
    expect(inventory(plans.prod!)).toEqual(inventory(plans.staging!));
    expect(plans.staging!.resources.length).toBeGreaterThan(100);
    const [staging, prod] = await Promise.all([
      readStackFile(root, 'staging'),
      readStackFile(root, 'prod'),
    ]);
    const differing = Object.keys(staging.plain)
      .filter((k) => staging.plain[k] !== prod.plain[k])
      .map((k) => [staging.plain[k]!, prod.plain[k]!] as const);
    // A leaf may differ only by carrying a differing config value (or the stack's name).
    const explained = (a: unknown, b: unknown) =>
      [...differing, ['staging', 'prod'] as const].some(
        ([s, p]) => String(a).includes(s) && String(b).includes(p),
      );
    const unexplained: string[] = [];
    const walk = (a: unknown, b: unknown, path: string) => {
      if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
        for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
          walk(
            (a as Record<string, unknown>)[key],
            (b as Record<string, unknown>)[key],
            `${path}.${key}`,
          );
        }
      } else if (JSON.stringify(a) !== JSON.stringify(b) && !explained(a, b)) {
        unexplained.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      }
    };
    for (const r of plans.staging!.resources) {
      const other = plans.prod!.resources.find((p) => p.type === r.type && p.name === r.name)!;
      walk(r.inputs, other.inputs, `${r.name}`);
    }
    expect(unexplained).toEqual([]);
  });
});

export type { PlannedResource };
