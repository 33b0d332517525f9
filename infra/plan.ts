import * as pulumi from '@pulumi/pulumi';
import { parseStackSettings, REQUIRED_SECRETS, type StackSettings } from './config.ts';
import { loadDashboards } from './dashboards.ts';
import { readStackFile } from './stack-files.ts';

/** One resource the program would create, as Pulumi's mocks saw it. */
export interface PlannedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface Plan {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

/**
 * Runs the program for `stack` under Pulumi's mocks (`pulumi.runtime.setMocks`: no CLI, no
 * cloud, no credentials) and returns every resource it registers with its inputs: what
 * `pulumi up` would create. Secret values are stand-ins (`secretValue(name)`), never read.
 * Mocks are installed before the program module is imported, as Pulumi's test guide says.
 */
export async function planStack(
  stack: string,
  options: {
    root: string;
    /** Overrides the secret values (tests use canaries); default: every secret set. */
    secrets?: Record<string, string>;
    /** Overrides the stack file's clear-text settings. */
    plain?: Record<string, string>;
  },
): Promise<Plan> {
  const file = await readStackFile(options.root, stack);
  const plain = options.plain ?? file.plain;
  // Default: the secrets the file marks set, and every required one (what `pulumi up` needs).
  const secretValues =
    options.secrets ??
    Object.fromEntries(
      [...new Set([...file.secretNames, ...REQUIRED_SECRETS])].map((n) => [n, secretValue(n)]),
    );
  const resources: PlannedResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
        });
        return {
          id: `${args.name}-id`,
          state: mockState(args.type, args.name, args.inputs as Record<string, unknown>),
        };
      },
      call(args) {
        return args.inputs;
      },
    },
    'vigie',
    stack,
    false,
  );
  const settings: StackSettings<pulumi.Output<string>> = parseStackSettings(
    stack,
    plain,
    Object.keys(secretValues),
    (name) => pulumi.secret(secretValues[name]!),
  );
  const { deployVigie } = await import('./program.ts');
  const outputs = deployVigie({ settings, root: options.root, dashboards: await loadDashboards() });
  const resolved = await resolveOutputs(outputs);
  await settle(resources);
  return { stack, resources, outputs: resolved as Record<string, unknown> };
}

/** A recognisable placeholder for a secret the plan never reads. */
export function secretValue(name: string): string {
  return `<secret ${name}>`;
}

/** Waits for `apply`s to finish registering resources: until the count stops moving. */
async function settle(resources: PlannedResource[]): Promise<void> {
  let last = -1;
  let still = 0;
  while (still < 5) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (resources.length === last) still += 1;
    else {
      still = 0;
      last = resources.length;
    }
  }
}

async function resolveOutputs(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    return new Promise((resolve) => (value as pulumi.Output<unknown>).apply(resolve));
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveOutputs));
  if (value && typeof value === 'object') {
    const entries = await Promise.all(
      Object.entries(value).map(async ([k, v]) => [k, await resolveOutputs(v)] as const),
    );
    return Object.fromEntries(entries);
  }
  return value;
}

/** Plausible provider answers, enough for the program's cross-references to resolve. */
function mockState(type: string, name: string, inputs: Record<string, unknown>) {
  const arn = `arn:aws:${type.split(':')[1]?.split('/')[0] ?? 'x'}:eu-west-3:123456789012:${name}`;
  const base: Record<string, unknown> = { ...inputs, arn, name: inputs.name ?? name };
  if (type === 'aws:lambda/function:Function') {
    base.invokeArn = `arn:aws:apigateway:eu-west-3:lambda:path/2015-03-31/functions/${arn}/invocations`;
  }
  if (type === 'aws:apigatewayv2/api:Api') {
    base.apiEndpoint = `https://${name}.execute-api.eu-west-3.amazonaws.com`;
    base.executionArn = `arn:aws:execute-api:eu-west-3:123456789012:${name}`;
  }
  // What the AWS provider names a bucket given a prefix: the prefix and a 26-character suffix.
  if (type === 'aws:s3/bucket:Bucket' && inputs.bucket === undefined)
    base.bucket = `${String(inputs.bucketPrefix)}${'0'.repeat(25)}1`;
  if (type === 'aws:sqs/queue:Queue')
    base.url = `https://sqs.eu-west-3.amazonaws.com/123456789012/${String(inputs.name)}`;
  if (type.startsWith('pulumi-nodejs:dynamic')) {
    const attributes = (inputs.attributes ?? {}) as Record<string, unknown>;
    base.remote =
      inputs.kind === 'heartbeat'
        ? { ...attributes, url: `https://uptime.betterstack.com/api/v1/heartbeat/${name}` }
        : attributes;
  }
  if (type === 'grafana:oss/folder:Folder') base.uid = inputs.uid;
  return base;
}
