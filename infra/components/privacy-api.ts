import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { physicalName } from '../naming.ts';
import { type AlarmTopic, createAlarm, createLambda } from './shared.ts';
import type { SecretsAccess } from './secrets.ts';

export interface PrivacyApiArgs {
  /** @example "prod" */
  stage: string;
  /** Folder of the built API bundle. @example ".vigie/build/api" */
  bundleDir: string;
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  secrets: SecretsAccess;
  memoryMb: number;
  /** API Gateway stops waiting at 30 s; keep the function under it. */
  timeoutSeconds: number;
  logRetentionDays: number;
  /** Stage-wide throttling: steady requests per second and burst. */
  throttle: { ratePerSecond: number; burst: number };
  /** Alarm thresholds: share of 5xx answers (%), p95 integration latency (ms). */
  alarmThresholds: { fiveXxRatePercent: number; p95LatencyMs: number };
  alarms: AlarmTopic;
}

/**
 * The privacy API (`api/lambda.ts`) behind an API Gateway HTTP API: one `$default` route to
 * the Lambda (payload 2.0), a `$default` stage with throttling and JSON access logs (no
 * source IP or user agent: those are personal data), and alarms on the 5xx rate and p95
 * latency.
 */
export class PrivacyApi extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly api: aws.apigatewayv2.Api;
  readonly stage: aws.apigatewayv2.Stage;
  /** `https://<id>.execute-api.<region>.amazonaws.com` */
  readonly url: pulumi.Output<string>;
  readonly alarms: aws.cloudwatch.MetricAlarm[];

  constructor(name: string, args: PrivacyApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super('vigie:aws:PrivacyApi', name, {}, opts);
    // Children are parented to this component (SST's shape: steps as nested functions).
    const child = { parent: this };
    const functionName = physicalName('lambda', args.stage, 'api');

    const logGroup = createLogGroup();
    // The function's shared shape: the args' bundle, environment, secrets, size and timeout.
    const fn = createLambda(name, { ...args, name: 'api', logGroup }, child);
    const api = createApi();
    const accessLogs = createAccessLogGroup();
    const stage = createStage();
    createPermission();
    const alarms = createAlarms();

    this.function = fn;
    this.api = api;
    this.stage = stage;
    this.url = api.apiEndpoint;
    this.alarms = alarms;
    this.registerOutputs({ url: this.url, functionArn: fn.arn });

    function createLogGroup() {
      return new aws.cloudwatch.LogGroup(
        `${name}Logs`,
        { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays },
        child,
      );
    }

    function createApi() {
      const created = new aws.apigatewayv2.Api(
        `${name}HttpApi`,
        { name: physicalName('api', args.stage, 'privacy-api'), protocolType: 'HTTP' },
        child,
      );
      const integration = new aws.apigatewayv2.Integration(
        `${name}Integration`,
        {
          apiId: created.id,
          integrationType: 'AWS_PROXY',
          integrationUri: fn.invokeArn,
          payloadFormatVersion: '2.0',
          timeoutMilliseconds: 30_000,
        },
        child,
      );
      new aws.apigatewayv2.Route(
        `${name}DefaultRoute`,
        {
          apiId: created.id,
          routeKey: '$default',
          target: pulumi.interpolate`integrations/${integration.id}`,
        },
        child,
      );
      return created;
    }

    function createAccessLogGroup() {
      return new aws.cloudwatch.LogGroup(
        `${name}AccessLogs`,
        {
          name: `/aws/apigateway/${physicalName('api', args.stage, 'privacy-api')}`,
          retentionInDays: args.logRetentionDays,
        },
        child,
      );
    }

    function createStage() {
      return new aws.apigatewayv2.Stage(
        `${name}Stage`,
        {
          apiId: api.id,
          name: '$default',
          autoDeploy: true,
          defaultRouteSettings: {
            throttlingRateLimit: args.throttle.ratePerSecond,
            throttlingBurstLimit: args.throttle.burst,
          },
          accessLogSettings: {
            destinationArn: accessLogs.arn,
            format: JSON.stringify(ACCESS_LOG_FORMAT),
          },
        },
        child,
      );
    }

    function createPermission() {
      return new aws.lambda.Permission(
        `${name}InvokePermission`,
        {
          action: 'lambda:InvokeFunction',
          function: fn.name,
          principal: 'apigateway.amazonaws.com',
          sourceArn: pulumi.interpolate`${api.executionArn}/*/*`,
        },
        child,
      );
    }

    function createAlarms() {
      const dimensions = { ApiId: api.id, Stage: '$default' };
      const on = { stage: args.stage, topic: args.alarms, alertId: 'api-alarm' };
      const fiveXx = createAlarm(
        `${name}5xxRateAlarm`,
        {
          ...on,
          name: 'api-5xx-rate',
          text: `5xx answers above ${args.alarmThresholds.fiveXxRatePercent}% of requests`,
          metric: {
            comparisonOperator: 'GreaterThanThreshold',
            threshold: args.alarmThresholds.fiveXxRatePercent,
            evaluationPeriods: 2,
            metricQueries: [
              {
                id: 'errors',
                metric: {
                  namespace: 'AWS/ApiGateway',
                  metricName: '5xx',
                  dimensions,
                  period: 300,
                  stat: 'Sum',
                },
              },
              {
                id: 'requests',
                metric: {
                  namespace: 'AWS/ApiGateway',
                  metricName: 'Count',
                  dimensions,
                  period: 300,
                  stat: 'Sum',
                },
              },
              {
                id: 'rate',
                expression: 'IF(requests > 0, 100 * errors / requests, 0)',
                label: '5xx rate (%)',
                returnData: true,
              },
            ],
          },
        },
        child,
      );
      const latency = createAlarm(
        `${name}P95LatencyAlarm`,
        {
          ...on,
          name: 'api-p95-latency',
          text: `p95 latency above ${args.alarmThresholds.p95LatencyMs} ms`,
          metric: {
            namespace: 'AWS/ApiGateway',
            metricName: 'Latency',
            dimensions,
            extendedStatistic: 'p95',
            period: 300,
            evaluationPeriods: 2,
            threshold: args.alarmThresholds.p95LatencyMs,
            comparisonOperator: 'GreaterThanThreshold',
          },
        },
        child,
      );
      return [fiveXx, latency];
    }
  }
}

/** API Gateway access log fields: ids, status and timings only (no IP, no user agent). */
export const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  time: '$context.requestTimeEpoch',
  method: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
} as const;
