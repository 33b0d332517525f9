import * as pulumi from '@pulumi/pulumi';
import { alerts } from '../core/catalog/alerts.ts';
import { collectors } from '../core/catalog/collectors.ts';
import { configSchema } from '../core/config.ts';
import { heartbeats, httpMonitors } from '../core/catalog/monitors.ts';
import { heartbeatSettingName } from '../core/heartbeat-settings.ts';
import { bundleDir, lambdaBundles } from './build/bundles.ts';
import { secretNeeds } from './build/secret-needs.ts';
import type { StackSettings } from './config.ts';
import { AlarmTopic } from './components/alarm-topic.ts';
import { AlertRoutes } from './components/alert-routes.ts';
import { AuditCheckpointBucket } from './components/audit-checkpoint-bucket.ts';
import { GrafanaDashboards, type DashboardModel } from './components/grafana-dashboards.ts';
import { PrivacyApi } from './components/privacy-api.ts';
import { ScheduledCollector } from './components/scheduled-collector.ts';
import { StackSecrets } from './components/secrets.ts';
import { UptimeMonitors } from './components/uptime-monitors.ts';

export interface ProgramOptions {
  settings: StackSettings<pulumi.Output<string>>;
  /** Repository root: bundles are read from `<root>/.vigie/build/<name>`. */
  root: string;
  /** What `dashboards/` exports. */
  dashboards: readonly DashboardModel[];
}

/**
 * The whole deployment of one stack, as a list of components: secrets, alert routes, the
 * privacy API, Better Stack monitors (their heartbeat URLs feed the collectors), the audit
 * checkpoint bucket (when `AUDIT_CHECKPOINT_STORE` is `s3`), one `ScheduledCollector` per
 * catalog collector, Grafana dashboards. Staging and prod run this
 * same function; only `settings` differ.
 */
export function deployVigie({ settings, root, dashboards }: ProgramOptions) {
  const stage = settings.stack;
  const { deploy, app } = settings;
  const bundle = (name: string) => `${root}/${bundleDir(name)}`;
  const environment: Record<string, string> = {
    ...(app as Record<string, string>),
    NODE_ENV: 'production',
    VIGIE_STAGE: stage,
    NODE_OPTIONS: '--enable-source-maps',
  };

  const requiredSecret = (name: keyof typeof settings.secrets) => {
    const value = settings.secrets[name];
    if (value === undefined) {
      throw new Error(
        `${name} is required: \`npx vigie infra secrets --stack ${stage}\` prints how to set it`,
      );
    }
    return value;
  };

  // Each function gets only the secrets its own code reads, derived from its sources.
  const needs = secretNeeds(root);

  const secrets = new StackSecrets('secrets', {
    stage,
    values: settings.secrets as Record<string, pulumi.Output<string>>,
  });

  // The alarm topic first: every alarm publishes to it, and the API must know its ARN (the
  // SNS hook accepts this topic only); the subscription needs the API's URL, so it comes after.
  const alarms = new AlarmTopic('alarms', { stage });

  const api = new PrivacyApi('api', {
    stage,
    bundleDir: bundle(lambdaBundles.find((b) => b.kind === 'api')!.name),
    environment: { ...environment, AWS_SNS_TOPIC_ARN: alarms.topicArn },
    secrets: secrets.scoped(needs.api!),
    memoryMb: deploy.apiMemoryMb,
    timeoutSeconds: deploy.apiTimeoutSeconds,
    logRetentionDays: deploy.logRetentionDays,
    throttle: { ratePerSecond: deploy.apiThrottleRatePerSecond, burst: deploy.apiThrottleBurst },
    alarmThresholds: {
      fiveXxRatePercent: deploy.api5xxRatePercent,
      p95LatencyMs: deploy.apiP95LatencyMs,
    },
    alarms,
  });

  const routes = new AlertRoutes('alerts', {
    stage,
    topic: alarms,
    apiUrl: api.url,
    ...(app.SENTRY_ORG
      ? {
          sentry: {
            organization: app.SENTRY_ORG,
            team: deploy.sentryTeam,
            ...(deploy.sentryAppId && deploy.sentryAppInstallationUuid
              ? {
                  integration: {
                    appId: deploy.sentryAppId,
                    installationUuid: deploy.sentryAppInstallationUuid,
                  },
                }
              : {}),
          },
        }
      : {}),
  });

  const uptime = new UptimeMonitors('uptime', {
    stage,
    monitors: httpMonitors,
    heartbeats,
    baseUrls: {
      APP_PUBLIC_URL: app.APP_PUBLIC_URL ?? api.url,
      ...(app.N8N_WEBHOOK_BASE_URL ? { N8N_WEBHOOK_BASE_URL: app.N8N_WEBHOOK_BASE_URL } : {}),
      ...(app.FRONTEND_URL ? { FRONTEND_URL: app.FRONTEND_URL } : {}),
    },
    statusPage: {
      subdomain: deploy.statusPageSubdomain,
      companyName: deploy.statusPageCompanyName,
      companyUrl: deploy.statusPageCompanyUrl,
      // Better Stack takes Rails time zone names.
      timezone: 'Paris',
    },
    incidentWebhookUrl: pulumi.secret(
      pulumi.interpolate`${api.url}/hooks/betterstack/incidents/${requiredSecret('BETTERSTACK_WEBHOOK_SECRET')}`,
    ),
  });

  // The audit checkpoints' write-once bucket, when the stack keeps them in S3; only the
  // collector that anchors is told its name and may write there.
  const checkpoints =
    app.AUDIT_CHECKPOINT_STORE === 's3'
      ? new AuditCheckpointBucket('audit-checkpoints', {
          stage,
          retentionDays: configSchema.shape.AUDIT_CHECKPOINT_RETENTION_DAYS.parse(
            app.AUDIT_CHECKPOINT_RETENTION_DAYS,
          ),
        })
      : undefined;
  const anchoring = (collector: string) =>
    collector === 'audit-anchor' && checkpoints
      ? { environment: checkpoints.environment(), permissions: checkpoints.writerStatements() }
      : { environment: {}, permissions: [] };

  const scheduled = collectors.map((collector) => {
    const bundleName = lambdaBundles.find((b) => b.collector === collector.name)!.name;
    return new ScheduledCollector(`collector-${collector.name}`, {
      stage,
      collector: collector.name,
      bundleDir: bundle(bundleName),
      schedule: collector.schedule,
      timezone: collector.timezone,
      environment: {
        ...environment,
        ...anchoring(collector.name).environment,
        [heartbeatSettingName(collector.name)]: uptime.heartbeatUrls[collector.name]!,
      },
      secrets: secrets.scoped(needs[bundleName]!),
      permissions: anchoring(collector.name).permissions,
      memoryMb: deploy.collectorMemoryMb,
      timeoutSeconds: deploy.collectorTimeoutSeconds,
      logRetentionDays: deploy.logRetentionDays,
      maxRetries: deploy.scheduleMaxRetries,
      durationAlarmPercent: deploy.durationAlarmPercentOfTimeout,
      alarms,
    });
  });

  const grafana = new GrafanaDashboards('dashboards', { stage, dashboards });

  return {
    apiUrl: api.url,
    alarmTopicArn: alarms.topicArn,
    alarmSubscription: routes.subscription.arn,
    statusPageId: uptime.statusPage.id,
    functions: [api.function.name, ...scheduled.map((s) => s.function.name)],
    dashboards: grafana.uids,
    alertIds: alerts.map((a) => a.id),
    slackAlertChannel: deploy.slackAlertChannel,
    ...(checkpoints ? { auditCheckpointBucket: checkpoints.bucketName } : {}),
  };
}
