import type { Plan, PlannedResource } from './plan.ts';

/** Key settings shown per resource type in `vigie infra plan`. */
const KEY_SETTINGS: Record<string, readonly string[]> = {
  'aws:lambda/function:Function': ['name', 'runtime', 'architectures', 'memorySize', 'timeout'],
  'aws:scheduler/schedule:Schedule': ['name', 'scheduleExpression', 'scheduleExpressionTimezone'],
  'aws:sqs/queue:Queue': ['name'],
  'aws:cloudwatch/logGroup:LogGroup': ['name', 'retentionInDays'],
  'aws:cloudwatch/metricAlarm:MetricAlarm': ['name', 'metricName', 'threshold'],
  'aws:iam/role:Role': ['name'],
  'aws:ssm/parameter:Parameter': ['name', 'type'],
  'aws:apigatewayv2/api:Api': ['name', 'protocolType'],
  'aws:apigatewayv2/stage:Stage': ['name'],
  'aws:sns/topic:Topic': ['name'],
  'aws:s3/bucket:Bucket': ['bucketPrefix', 'objectLockEnabled'],
  'aws:sns/topicSubscription:TopicSubscription': ['protocol', 'endpoint'],
};

/** One line per resource (type, name, key settings), grouped by type, then a count. */
export function summarise(plan: Plan): string[] {
  const lines = [`Stack ${plan.stack}: pulumi up would create ${plan.resources.length} resources`];
  const byType = new Map<string, PlannedResource[]>();
  for (const r of plan.resources)
    byType.set(displayType(r), [...(byType.get(displayType(r)) ?? []), r]);
  for (const [type, resources] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push('', `${type} (${resources.length})`);
    for (const r of resources) lines.push(`  ${r.name}${settings(r)}`);
  }
  return lines;
}

function displayType(r: PlannedResource): string {
  return r.type.startsWith('pulumi-nodejs:dynamic')
    ? `betterstack:${String(r.inputs.kind)}`
    : r.type;
}

function settings(r: PlannedResource): string {
  if (r.type.startsWith('pulumi-nodejs:dynamic')) {
    const a = (r.inputs.attributes ?? {}) as Record<string, unknown>;
    const shown = [
      'pronounceable_name',
      'name',
      'subdomain',
      'url',
      'check_frequency',
      'period',
      'grace',
    ]
      .filter((k) => a[k] !== undefined)
      .map((k) => `${k}=${JSON.stringify(a[k])}`);
    return shown.length ? `  ${shown.join(' ')}` : '';
  }
  const keys = KEY_SETTINGS[r.type] ?? [];
  const shown = keys
    .filter((k) => r.inputs[k] !== undefined)
    .map((k) => `${k}=${JSON.stringify(r.inputs[k])}`);
  return shown.length ? `  ${shown.join(' ')}` : '';
}
