import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectors } from '../../core/catalog/collectors.ts';
import { type LambdaStaging, startLambdaStaging } from '../../testkit/lambda-staging.ts';
import { buildAll, type BuiltBundle } from './build.ts';
import { browserBundle, lambdaBundles } from './bundles.ts';
import { secretNeeds } from './secret-needs.ts';
import { apiGatewayEvent, invokeBundle, scheduledEvent, type Invocation } from './invoke.ts';

// Every Lambda bundle, built for real into a temporary folder, is imported in a fresh Node
// process (no node_modules next to it, as in Lambda) and invoked once against a local staging
// (real Postgres, Redis behind the Upstash bridge, the provider stand-ins), its secrets read
// from the Parameter Store stand-in at cold start — only the secrets its own code reads, as
// the Pulumi program grants them (secret-needs.ts): this catches a file or a native module the
// bundle lacks, which the TypeScript tests cannot see, and a secret the scoping left out.
let staging: LambdaStaging;
let outDir = '';
let built: BuiltBundle[] = [];
const runs = new Map<string, Promise<Invocation>>();

beforeAll(async () => {
  outDir = await mkdtemp(path.join(tmpdir(), 'vigie-build-'));
  [built, staging] = await Promise.all([
    buildAll({ root: process.cwd(), outDir }),
    startLambdaStaging({ stateDir: outDir, redisDb: 5 }),
  ]);
  const needs = secretNeeds(process.cwd());
  const scopedEnv = (name: string) => ({
    ...staging.env,
    VIGIE_SSM_SECRETS: staging.env
      .VIGIE_SSM_SECRETS!.split(',')
      .filter((p) => needs[name]!.includes(p.split('/').pop()!))
      .join(','),
  });
  // All at once: the alert dispatcher's run lasts its ~50 s budget, the others a second.
  for (const bundle of lambdaBundles) {
    const dir = built.find((b) => b.name === bundle.name)!.dir;
    const event =
      bundle.kind === 'api'
        ? apiGatewayEvent('GET', '/healthz')
        : scheduledEvent(
            `arn:aws:scheduler:eu-west-3:123456789012:schedule/default/${bundle.name}`,
            new Date(),
          );
    runs.set(bundle.name, invokeBundle(dir, event, { env: scopedEnv(bundle.name) }));
  }
  await Promise.allSettled(runs.values());
}, 180_000);

afterAll(async () => {
  await staging?.stop();
  await rm(outDir, { recursive: true, force: true });
});

describe('Lambda bundles', () => {
  it('builds one bundle per catalog collector plus the API', () => {
    expect(built.map((b) => b.name).sort()).toEqual(
      ['api', ...collectors.map((c) => `collector-${c.name}`)].sort(),
    );
  });

  it('read their secrets from SSM at cold start (none is in the environment)', () => {
    expect(staging.env.DATABASE_URL).toBeUndefined();
    expect(staging.env.VIGIE_SSM_SECRETS).toContain('/vigie/staging/DATABASE_URL');
    expect(staging.ssm.requested.length).toBeGreaterThanOrEqual(lambdaBundles.length);
  });

  it('the API bundle answers an API Gateway v2 event from its own folder', async () => {
    const run = await runs.get('api')!;
    expect(run.error).toBeUndefined();
    const response = run.result as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      dependencies: { postgres: { state: 'up' }, redis: { state: 'up' } },
    });
  });

  it('the API bundle serves the pre-built browser bundle copied next to it', async () => {
    const dir = built.find((b) => b.name === 'api')!.dir;
    const copied = await readFile(path.join(dir, browserBundle.fileName), 'utf8');
    expect(copied).toContain('VigieSentry');
    const run = await invokeBundle(dir, apiGatewayEvent('GET', '/assets/sentry-browser.js'), {
      env: staging.env,
    });
    const response = run.result as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(copied);
  });

  it.each(collectors.map((c) => [c.name] as const))(
    'the %s bundle runs one tick on a scheduled event',
    async (name) => {
      const run = await runs.get(`collector-${name}`)!;
      expect(run.error, JSON.stringify(run.error)).toBeUndefined();
      expect(run.result).toMatchObject({ collector: name, status: expect.any(String) });
    },
  );
});
