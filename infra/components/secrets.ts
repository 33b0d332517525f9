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
  private readonly bySetting: Map<string, aws.ssm.Parameter>;

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
    this.bySetting = new Map(this.names.map((n, i) => [n, this.parameters[i]!]));
    this.registerOutputs({ parameterNames: this.names.map((n) => parameterName(args.stage, n)) });
  }

  /**
   * Access to only `settings` (those of them this stack sets): what one function gets, from
   * what its code reads (`infra/build/secret-needs.ts`).
   */
  scoped(settings: readonly string[]): SecretsAccess {
    return accessTo(settings.flatMap((s) => this.bySetting.get(s) ?? []));
  }

  environment(): Record<string, pulumi.Input<string>> {
    return accessTo(this.parameters).environment();
  }

  statements(): Record<string, unknown>[] {
    return accessTo(this.parameters).statements();
  }
}

function accessTo(parameters: readonly aws.ssm.Parameter[]): SecretsAccess {
  return {
    environment: () => ({
      VIGIE_SSM_SECRETS: pulumi.all(parameters.map((p) => p.name)).apply((n) => n.join(',')),
    }),
    statements: () =>
      parameters.length === 0
        ? []
        : [
            {
              Sid: 'ReadOwnSecrets',
              Effect: 'Allow',
              Action: 'ssm:GetParameters',
              Resource: parameters.map((p) => p.arn),
            },
          ],
  };
}

export function parameterName(stage: string, setting: string): string {
  return `/vigie/${stage}/${setting}`;
}
