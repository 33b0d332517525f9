import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as sentry from '@pulumiverse/sentry';
import { SENTRY_ERROR_SPIKE_RULE } from '../../core/catalog/sentry-rules.ts';
import type { AlarmTopic } from './alarm-topic.ts';

export interface AlertRoutesArgs {
  /** @example "staging" */
  stage: string;
  /** The topic the stack's alarms publish to. */
  topic: AlarmTopic;
  /** The privacy API's base URL; SNS posts to `<apiUrl>/hooks/aws/sns`. */
  apiUrl: pulumi.Input<string>;
  /** Sentry organization and team slugs; omit to leave Sentry out of this stack. */
  sentry?: {
    organization: string;
    team: string;
    /**
     * The internal integration whose webhooks reach `POST /hooks/sentry` (signed with its
     * client secret, `SENTRY_CLIENT_SECRET`): the rules' action. Absent: no action.
     */
    integration?: { appId: string; installationUuid: string };
  };
}

/** The Sentry projects Vigie watches, with the platform Sentry groups their events by. */
export const SENTRY_PROJECTS = [
  { key: 'api', platform: 'node-awslambda' },
  { key: 'n8n', platform: 'node' },
  { key: 'frontend', platform: 'javascript' },
] as const;

/**
 * Every alert source ends in Vigie's one router (the outbox → Slack path that dedups and
 * paces): the alarm topic's HTTPS subscription is `POST /hooks/aws/sns` (the route verifies
 * the signature and reads the catalog alert id from the alarm's description); the Sentry
 * projects get an issue rule (`sentry-new-issue`) and a metric rule (`sentry-error-spike`),
 * each named with its catalog id, whose action is Vigie's Sentry integration (its webhooks
 * reach `POST /hooks/sentry`). Better Stack's incident webhook is `UptimeMonitors`'s;
 * collectors raise into the outbox themselves.
 */
export class AlertRoutes extends pulumi.ComponentResource {
  readonly subscription: aws.sns.TopicSubscription;
  readonly sentryProjects: sentry.SentryProject[];

  constructor(name: string, args: AlertRoutesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('vigie:aws:AlertRoutes', name, {}, opts);
    // Children are parented to this component (SST's shape: steps as nested functions).
    const child = { parent: this };

    const subscription = createSubscription();
    const projects = args.sentry ? createSentryRules(args.sentry) : [];

    this.subscription = subscription;
    this.sentryProjects = projects;
    this.registerOutputs({ subscriptionArn: subscription.arn });

    function createSubscription() {
      return new aws.sns.TopicSubscription(
        `${name}AlarmHook`,
        {
          topic: args.topic.topicArn,
          protocol: 'https',
          endpoint: pulumi.interpolate`${args.apiUrl}/hooks/aws/sns`,
          // The route confirms by fetching SubscribeURL once the signature verifies.
          endpointAutoConfirms: true,
          deliveryPolicy: JSON.stringify({
            healthyRetryPolicy: {
              numRetries: 5,
              minDelayTarget: 5,
              maxDelayTarget: 60,
              backoffFunction: 'exponential',
            },
          }),
        },
        child,
      );
    }

    function createSentryRules(org: NonNullable<AlertRoutesArgs['sentry']>) {
      const app = org.integration;
      return SENTRY_PROJECTS.map((project) => {
        const slug = `vigie-${args.stage}-${project.key}`;
        const created = new sentry.SentryProject(
          `${name}-sentry-${project.key}`,
          {
            organization: org.organization,
            teams: [org.team],
            name: slug,
            slug,
            platform: project.platform,
          },
          child,
        );
        new sentry.SentryIssueAlert(
          `${name}-sentry-${project.key}-new-issue`,
          {
            organization: org.organization,
            project: created.slug,
            name: `[vigie:sentry-new-issue] ${slug}`,
            actionMatch: 'any',
            filterMatch: 'all',
            frequency: 30,
            conditions: [
              { id: 'sentry.rules.conditions.first_seen_event.FirstSeenEventCondition' },
            ],
            actions: app
              ? [
                  {
                    id: 'sentry.rules.actions.notify_event_sentry_app.NotifyEventSentryAppAction',
                    sentryAppInstallationUuid: app.installationUuid,
                  },
                ]
              : [],
          },
          child,
        );
        new sentry.SentryMetricAlert(
          `${name}-sentry-${project.key}-error-spike`,
          {
            organization: org.organization,
            project: created.slug,
            name: `[vigie:sentry-error-spike] ${slug}`,
            dataset: 'events',
            eventTypes: ['error'],
            query: '',
            aggregate: 'count()',
            // One rule, two evaluators: Sentry here, the stand-in in local staging.
            timeWindow: SENTRY_ERROR_SPIKE_RULE.timeWindowMinutes,
            thresholdType: 0,
            resolveThreshold: SENTRY_ERROR_SPIKE_RULE.resolveThreshold,
            triggers: [
              {
                label: 'critical',
                alertThreshold: SENTRY_ERROR_SPIKE_RULE.alertThreshold,
                thresholdType: 0,
                actions: app
                  ? [{ type: 'sentry_app', targetType: 'sentry_app', targetIdentifier: app.appId }]
                  : [],
              },
            ],
          },
          child,
        );
        return created;
      });
    }
  }
}
