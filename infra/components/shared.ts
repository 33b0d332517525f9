import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { physicalName } from '../naming.ts';
import type { SecretsAccess } from './secrets.ts';

/**
 * The newest Node.js Lambda runtime the installed `@pulumi/aws` knows (`nodejs24.x` with
 * 7.48): derived from its enum so upgrading the package moves the functions forward.
 */
export const lambdaRuntime: string = (() => {
  const known = (Object.values(aws.lambda.Runtime) as string[]).filter((r) =>
    /^nodejs\d+\.x$/.test(r),
  );
  const newest = known.sort((a, b) => parseInt(b.slice(6), 10) - parseInt(a.slice(6), 10))[0];
  if (!newest) throw new Error('@pulumi/aws knows no nodejs Lambda runtime');
  return newest;
})();

/** Where a CloudWatch alarm goes, and how its description names the catalog alert. */
export interface AlarmTopic {
  topicArn: pulumi.Input<string>;
  /** `[vigie:<alert-id>] <text>`: what `POST /hooks/aws/sns` reads back. */
  describe(alertId: string, text: string): string;
}

export function alarmDescription(alertId: string, text: string): string {
  return `[vigie:${alertId}] ${text}`;
}

export interface AlarmArgs {
  /** @example "staging" */
  stage: string;
  /** Name under the stage, made physical by `physicalName('alarm', …)`. @example "api-5xx-rate" */
  name: string;
  /** Where the alarm publishes, and how its description carries the catalog alert id. */
  topic: AlarmTopic;
  /** The catalog alert `POST /hooks/aws/sns` raises. @example "api-alarm" */
  alertId: string;
  /** Ids and numbers only: it reaches Slack. */
  text: string;
  /** The metric (or metric math), statistic, period and threshold. */
  metric: Omit<
    aws.cloudwatch.MetricAlarmArgs,
    'name' | 'alarmDescription' | 'alarmActions' | 'okActions'
  >;
}

/**
 * One CloudWatch alarm on the stack's alarm topic: physical name within the limit, catalog
 * alert id in the description, ALARM and OK both published (OK resolves the alert), missing
 * data not breaching unless the metric says otherwise. The one shape every component's alarms
 * share.
 */
export function createAlarm(
  logicalName: string,
  args: AlarmArgs,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm {
  return new aws.cloudwatch.MetricAlarm(
    logicalName,
    {
      treatMissingData: 'notBreaching',
      ...args.metric,
      name: physicalName('alarm', args.stage, args.name),
      alarmDescription: args.topic.describe(args.alertId, args.text),
      alarmActions: [args.topic.topicArn],
      okActions: [args.topic.topicArn],
    },
    opts,
  );
}

/** The trust policy letting one AWS service assume a role. */
export function assumeBy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}

/** One IAM policy statement, its resources possibly still to be resolved. */
export interface IamStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: Record<string, Record<string, pulumi.Input<string>>>;
}

export interface LambdaArgs {
  /** @example "staging" */
  stage: string;
  /** The function's and its role's name under the stage. @example "collector-cost" */
  name: string;
  /** Its own log group, which the role may write and the function logs to. */
  logGroup: aws.cloudwatch.LogGroup;
  /** Folder of the built bundle. @example ".vigie/build/api" */
  bundleDir: string;
  /** Plain environment (non-secret settings). */
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** The SSM parameters this function alone reads at cold start. */
  secrets: SecretsAccess;
  /** What else this function's own code calls, each scoped to its resource. */
  permissions?: IamStatement[];
  memoryMb: number;
  timeoutSeconds: number;
}

/**
 * A Vigie Lambda and its least-privilege role (`${name}Role`, `${name}Policy`,
 * `${name}Function`): arm64, the newest Node runtime, JSON logs to its own group, and a role
 * that may write that group, read its own secrets and do what `permissions` lists, nothing
 * else. The one shape the API and
 * every collector share.
 */
export function createLambda(
  name: string,
  args: LambdaArgs,
  opts: pulumi.CustomResourceOptions,
): aws.lambda.Function {
  const role = new aws.iam.Role(
    `${name}Role`,
    {
      name: physicalName('iamRole', args.stage, args.name),
      assumeRolePolicy: assumeBy('lambda.amazonaws.com'),
    },
    opts,
  );
  new aws.iam.RolePolicy(
    `${name}Policy`,
    {
      role: role.id,
      policy: pulumi.jsonStringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OwnLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: pulumi.interpolate`${args.logGroup.arn}:*`,
          },
          ...args.secrets.statements(),
          ...(args.permissions ?? []),
        ],
      }),
    },
    opts,
  );
  return new aws.lambda.Function(
    `${name}Function`,
    {
      name: physicalName('lambda', args.stage, args.name),
      role: role.arn,
      runtime: lambdaRuntime,
      architectures: ['arm64'],
      handler: 'index.handler',
      code: new pulumi.asset.FileArchive(args.bundleDir),
      memorySize: args.memoryMb,
      timeout: args.timeoutSeconds,
      environment: {
        variables: pulumi
          .output(args.environment)
          .apply((env) => ({ ...env, ...args.secrets.environment() })),
      },
      loggingConfig: { logFormat: 'JSON', logGroup: args.logGroup.name },
    },
    { ...opts, dependsOn: [args.logGroup] },
  );
}
