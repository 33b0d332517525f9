import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { Schedule } from '../../core/catalog/types.ts';
import { physicalName } from '../naming.ts';
import { SCHEDULE_INPUT } from '../schedule-input.ts';
import {
  type AlarmTopic,
  assumeBy,
  createAlarm,
  createLambda,
  type IamStatement,
} from './shared.ts';
import type { SecretsAccess } from './secrets.ts';

/** Days CloudWatch keeps a function's logs. */
export type RetentionDays = number;

export interface ScheduledCollectorArgs {
  /** Stack name, used in physical names. @example "staging" */
  stage: string;
  /** The catalog collector's name. @example "retention-purge" */
  collector: string;
  /** Folder holding the built bundle (`index.mjs`), from `npm run build`. @example ".vigie/build/collector-cost" */
  bundleDir: string;
  /** The catalog's EventBridge Scheduler expression. @example "cron(0 3 * * ? *)" */
  schedule: Schedule;
  /** IANA time zone the expression is evaluated in. @example "Europe/Paris" */
  timezone: string;
  /** Plain environment (non-secret settings, the heartbeat URL). */
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** SSM parameters this function reads at cold start (ARNs, names). */
  secrets: SecretsAccess;
  /**
   * What else this collector's code calls, each statement scoped to its resource (the
   * `audit-anchor` collector's checkpoint bucket). Unset: logs and secrets only.
   */
  permissions?: IamStatement[];
  memoryMb: number;
  timeoutSeconds: number;
  logRetentionDays: RetentionDays;
  /** Scheduler retries before the event goes to the dead-letter queue. */
  maxRetries: number;
  /** Alarm when a run takes more than this share of the timeout. @example 80 */
  durationAlarmPercent: number;
  /** Where alarms go (SNS topic → `POST /hooks/aws/sns`). */
  alarms: AlarmTopic;
}

/**
 * One catalog collector in AWS: its Lambda (arm64, the built bundle), an EventBridge Scheduler
 * schedule (catalog expression and time zone, retries, SQS dead-letter queue), a log group
 * with retention, alarms (errors, throttles, dead letters, duration near timeout) and two
 * least-privilege roles (the function's, the scheduler's). Its Better Stack heartbeat is made
 * by `UptimeMonitors`; its URL arrives in `environment`.
 */
export class ScheduledCollector extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly schedule: aws.scheduler.Schedule;
  readonly deadLetterQueue: aws.sqs.Queue;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly alarms: aws.cloudwatch.MetricAlarm[];

  constructor(name: string, args: ScheduledCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
    super('vigie:aws:ScheduledCollector', name, {}, opts);
    // Children are parented to this component (SST's shape: steps as nested functions).
    const child = { parent: this };
    const functionName = physicalName('lambda', args.stage, `collector-${args.collector}`);

    const logGroup = createLogGroup();
    // The function's shared shape: the args' bundle, environment, secrets, size and timeout.
    const fn = createLambda(
      name,
      { ...args, name: `collector-${args.collector}`, logGroup },
      child,
    );
    const deadLetterQueue = createDeadLetterQueue();
    const schedulerRole = createSchedulerRole();
    const schedule = createSchedule();
    const alarms = createAlarms();

    this.function = fn;
    this.schedule = schedule;
    this.deadLetterQueue = deadLetterQueue;
    this.logGroup = logGroup;
    this.alarms = alarms;
    this.registerOutputs({
      functionArn: fn.arn,
      scheduleArn: schedule.arn,
      deadLetterQueueUrl: deadLetterQueue.url,
    });

    function createLogGroup() {
      return new aws.cloudwatch.LogGroup(
        `${name}Logs`,
        { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays },
        child,
      );
    }

    function createDeadLetterQueue() {
      return new aws.sqs.Queue(
        `${name}DeadLetters`,
        {
          name: physicalName('sqs', args.stage, `collector-${args.collector}-dlq`),
          messageRetentionSeconds: 14 * 24 * 3600,
          sqsManagedSseEnabled: true,
        },
        child,
      );
    }

    function createSchedulerRole() {
      const created = new aws.iam.Role(
        `${name}SchedulerRole`,
        {
          name: physicalName('iamRole', args.stage, `schedule-${args.collector}`),
          assumeRolePolicy: assumeBy('scheduler.amazonaws.com'),
        },
        child,
      );
      new aws.iam.RolePolicy(
        `${name}SchedulerPolicy`,
        {
          role: created.id,
          policy: pulumi.jsonStringify({
            Version: '2012-10-17',
            Statement: [
              { Sid: 'Invoke', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: fn.arn },
              {
                Sid: 'DeadLetter',
                Effect: 'Allow',
                Action: 'sqs:SendMessage',
                Resource: deadLetterQueue.arn,
              },
            ],
          }),
        },
        child,
      );
      return created;
    }

    function createSchedule() {
      return new aws.scheduler.Schedule(
        `${name}Schedule`,
        {
          name: physicalName('schedule', args.stage, args.collector),
          scheduleExpression: args.schedule,
          scheduleExpressionTimezone: args.timezone,
          flexibleTimeWindow: { mode: 'OFF' },
          state: 'ENABLED',
          target: {
            arn: fn.arn,
            roleArn: schedulerRole.arn,
            input: JSON.stringify(SCHEDULE_INPUT),
            retryPolicy: {
              maximumRetryAttempts: args.maxRetries,
              maximumEventAgeInSeconds: 3600,
            },
            deadLetterConfig: { arn: deadLetterQueue.arn },
          },
        },
        child,
      );
    }

    function createAlarms() {
      const alarm = (
        suffix: string,
        metric: Omit<aws.cloudwatch.MetricAlarmArgs, 'alarmActions' | 'okActions' | 'name'>,
      ) =>
        createAlarm(
          `${name}${suffix}Alarm`,
          {
            stage: args.stage,
            name: `collector-${args.collector}-${suffix.toLowerCase()}`,
            topic: args.alarms,
            alertId: 'collector-lambda-alarm',
            text: `${suffix} of collector ${args.collector}`,
            metric,
          },
          child,
        );
      const lambda = { namespace: 'AWS/Lambda', dimensions: { FunctionName: fn.name } };
      return [
        alarm('Errors', {
          ...lambda,
          metricName: 'Errors',
          statistic: 'Sum',
          period: 300,
          evaluationPeriods: 1,
          threshold: 0,
          comparisonOperator: 'GreaterThanThreshold',
        }),
        alarm('Throttles', {
          ...lambda,
          metricName: 'Throttles',
          statistic: 'Sum',
          period: 300,
          evaluationPeriods: 1,
          threshold: 0,
          comparisonOperator: 'GreaterThanThreshold',
        }),
        alarm('Duration', {
          ...lambda,
          metricName: 'Duration',
          statistic: 'Maximum',
          period: 300,
          evaluationPeriods: 1,
          threshold: (args.timeoutSeconds * 1000 * args.durationAlarmPercent) / 100,
          comparisonOperator: 'GreaterThanThreshold',
        }),
        alarm('DeadLetters', {
          namespace: 'AWS/SQS',
          dimensions: { QueueName: deadLetterQueue.name },
          metricName: 'ApproximateNumberOfMessagesVisible',
          statistic: 'Maximum',
          period: 300,
          evaluationPeriods: 1,
          threshold: 0,
          comparisonOperator: 'GreaterThanThreshold',
        }),
      ];
    }
  }
}
