import type { SSMClient } from '@aws-sdk/client-ssm';
import { VigieError } from '../../core/errors.ts';

/** The setting naming the SSM parameters to read (comma-separated), set by the Pulumi program. */
export const SSM_SECRETS_SETTING = 'VIGIE_SSM_SECRETS';

/**
 * Reads the stack's secrets from SSM Parameter Store (SecureString, decrypted) once per cold
 * start and puts each in `env` under its setting name (the parameter name's last segment):
 * resource inputs and Lambda configuration hold parameter names only, never the values.
 * A setting already in `env` is left alone (local runs). `GetParameters` takes 10 names per
 * call. A parameter that does not exist fails the cold start, naming it: better than a
 * function that runs half-configured.
 */
export async function loadSsmSecrets(
  env: Record<string, string | undefined>,
  client?: Pick<SSMClient, 'send'>,
): Promise<string[]> {
  const names = (env[SSM_SECRETS_SETTING] ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const loaded: string[] = [];
  if (names.length === 0) return loaded;
  // Loaded only when there is something to read (a deployed function), so local runs and
  // bundles without secrets never pay for the AWS SDK. Region, credentials and endpoint come
  // from the Lambda environment (AWS_REGION…).
  const ssmSdk = await import('@aws-sdk/client-ssm');
  // A CommonJS package: in an ESM bundle its exports come as `default`, unbundled as names.
  const { GetParametersCommand, SSMClient: Client } =
    'SSMClient' in ssmSdk && ssmSdk.SSMClient
      ? ssmSdk
      : (ssmSdk as unknown as { default: typeof ssmSdk }).default;
  const ssm = client ?? new Client({});
  for (let i = 0; i < names.length; i += 10) {
    const batch = names.slice(i, i + 10);
    const answer = await ssm.send(new GetParametersCommand({ Names: batch, WithDecryption: true }));
    if (answer.InvalidParameters && answer.InvalidParameters.length > 0) {
      throw new VigieError(
        'CONFIG_INVALID',
        `SSM has no parameter ${answer.InvalidParameters.join(', ')}: set it with \`pulumi config set --secret vigie:<NAME>\` and \`pulumi up\`.`,
        { details: { variables: answer.InvalidParameters } },
      );
    }
    for (const parameter of answer.Parameters ?? []) {
      const setting = parameter.Name?.split('/').pop();
      if (!setting || parameter.Value === undefined) continue;
      if (env[setting] === undefined || env[setting] === '') env[setting] = parameter.Value;
      loaded.push(setting);
    }
  }
  return loaded.sort();
}
