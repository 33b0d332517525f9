import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SECRET_SETTINGS } from '../core/config.ts';
import { type SsmStandIn, startSsmStandIn } from '../sandbox/aws-ssm/stand-in.ts';
import { type RunningStack, startStack } from '../sandbox/stack.ts';
import { createTestDatabase } from './pg.ts';
import { testRedisUrl } from './redis.ts';

export interface LambdaStaging {
  /** What a deployed function's environment holds: settings, SSM parameter names, AWS vars. */
  env: Record<string, string>;
  ssm: SsmStandIn;
  stack: RunningStack;
  stop(): Promise<void>;
}

/**
 * A local staging (own database, Redis db `redisDb`, every stand-in) seen as a Lambda sees a
 * deployed stack: non-secret settings in the environment, secrets in the Parameter Store
 * stand-in under `/vigie/staging/<NAME>`, named by `VIGIE_SSM_SECRETS` and read through the
 * AWS SDK at cold start.
 */
export async function startLambdaStaging(options: {
  stateDir: string;
  redisDb: number;
}): Promise<LambdaStaging> {
  const db = await createTestDatabase();
  const stack = await startStack({
    env: { DATABASE_URL: db.url, REDIS_URL: testRedisUrl(options.redisDb), PORT: '0' },
    stateDir: path.join(options.stateDir, 'state'),
    seedSize: { customers: 1, prospectsPerCustomer: 5 },
  });
  const ssm = await startSsmStandIn();
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL_SSM: ssm.url,
    AWS_REGION: ssm.region,
    AWS_ACCESS_KEY_ID: ssm.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ssm.secretAccessKey,
  };
  const names: string[] = [];
  for (const [name, value] of Object.entries(parseEnvFile(await readFile(stack.envFile, 'utf8')))) {
    if ((SECRET_SETTINGS as readonly string[]).includes(name)) {
      ssm.put(`/vigie/staging/${name}`, value);
      names.push(`/vigie/staging/${name}`);
    } else env[name] = value;
  }
  env.VIGIE_SSM_SECRETS = names.join(',');
  return {
    env,
    ssm,
    stack,
    async stop() {
      await ssm.close();
      await stack.stop();
      await db.drop();
    },
  };
}

/** `NAME='value'` lines as `vigie start` writes them (`.vigie/staging.env`). */
function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)='(.*)'$/.exec(line);
    if (match) env[match[1]!] = match[2]!.replaceAll("'\\''", "'");
  }
  return env;
}
