import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface StackSecretsArgs {
  /** @example "staging" */
  stage: string;
  /** Secret settings by their `core/config.ts` name, as Pulumi secrets (never plain strings). */
  values: Record<string, pulumi.Output<string>>;
}

/** What a function needs to read the stack's secrets at cold start. */
export interface SecretsAccess {
  /** `VIGIE_SSM_SECRETS`: the parameter names, read by `adapters/aws/ssm-secrets.ts`. */
  environment(): Record<string, pulumi.Input<string>>;
  /** IAM statements allowing `ssm:GetParameters` on exactly these parameters. */
  statements(): Record<string, unknown>[];
}

/**
 * One SSM SecureString parameter per secret setting, `/vigie/<stage>/<NAME>`. Functions get
 * the parameter names, never the values; they read them once per cold start. SecureString
 * with the account's `aws/ssm` key: no key to manage, and the key policy lets the account's
 * roles decrypt through SSM only.
 */
export class StackSecrets extends pulumi.ComponentResource implements SecretsAccess {
  readonly parameters: aws.ssm.Parameter[];
  private readonly names: string[];

  constructor(name: string, args: StackSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('vigie:aws:StackSecrets', name, {}, opts);
    // Children are parented to this component (SST's shape: steps as nested functions).
    const child = { parent: this };
    this.names = Object.keys(args.values).sort();
    this.parameters = this.names.map(
      (setting) =>
        new aws.ssm.Parameter(
          `${name}${setting}`,
          {
            name: parameterName(args.stage, setting),
            type: 'SecureString',
            value: pulumi.secret(args.values[setting]!),
            description: `Vigie ${args.stage}: ${setting} (pulumi config set --secret vigie:${setting})`,
          },
          child,
        ),
    );
    this.registerOutputs({ parameterNames: this.names.map((n) => parameterName(args.stage, n)) });
  }

  environment(): Record<string, pulumi.Input<string>> {
    return {
      VIGIE_SSM_SECRETS: pulumi.all(this.parameters.map((p) => p.name)).apply((n) => n.join(',')),
    };
  }

  statements(): Record<string, unknown>[] {
    if (this.parameters.length === 0) return [];
    return [
      {
        Sid: 'ReadOwnSecrets',
        Effect: 'Allow',
        Action: 'ssm:GetParameters',
        Resource: this.parameters.map((p) => p.arn),
      },
    ];
  }
}

export function parameterName(stage: string, setting: string): string {
  return `/vigie/${stage}/${setting}`;
}
