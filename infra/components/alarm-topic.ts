import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { physicalName } from '../naming.ts';
import { type AlarmTopic as AlarmTarget, alarmDescription } from './shared.ts';

export interface AlarmTopicArgs {
  /** @example "staging" */
  stage: string;
}

/**
 * The SNS topic every CloudWatch alarm of the stack publishes to (encrypted with the account's
 * `aws/sns` key; only CloudWatch may publish). `AlertRoutes` subscribes the API's
 * `POST /hooks/aws/sns` to it once the API exists.
 */
export class AlarmTopic extends pulumi.ComponentResource implements AlarmTarget {
  readonly topic: aws.sns.Topic;
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: AlarmTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super('vigie:aws:AlarmTopic', name, {}, opts);
    // Children are parented to this component (SST's shape: steps as nested functions).
    const child = { parent: this };

    const topic = createTopic();
    createPolicy();

    this.topic = topic;
    this.topicArn = topic.arn;
    this.registerOutputs({ topicArn: topic.arn });

    function createTopic() {
      return new aws.sns.Topic(
        `${name}Topic`,
        { name: physicalName('snsTopic', args.stage, 'alarms'), kmsMasterKeyId: 'alias/aws/sns' },
        child,
      );
    }

    function createPolicy() {
      return new aws.sns.TopicPolicy(
        `${name}TopicPolicy`,
        {
          arn: topic.arn,
          policy: pulumi.jsonStringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'CloudWatchAlarmsOnly',
                Effect: 'Allow',
                Principal: { Service: 'cloudwatch.amazonaws.com' },
                Action: 'sns:Publish',
                Resource: topic.arn,
              },
            ],
          }),
        },
        child,
      );
    }
  }

  describe(alertId: string, text: string): string {
    return alarmDescription(alertId, text);
  }
}
