import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { physicalName } from '../naming.ts';

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
