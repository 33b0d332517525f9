import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SsmStandIn, startSsmStandIn } from '../../sandbox/aws-ssm/stand-in.ts';
import { loadSsmSecrets } from './ssm-secrets.ts';

// The real AWS SDK client against the Parameter Store stand-in (AWS JSON 1.1, SigV4 header).
let ssm: SsmStandIn;
const client = () =>
  new SSMClient({
    endpoint: ssm.url,
    region: ssm.region,
    credentials: { accessKeyId: ssm.accessKeyId, secretAccessKey: ssm.secretAccessKey },
  });

beforeAll(async () => {
  ssm = await startSsmStandIn();
});
afterAll(async () => {
  await ssm.close();
});

describe('loadSsmSecrets', () => {
  it('reads every named parameter, decrypted, into its setting, 10 names per call', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `/vigie/staging/SECRET_${i}`);
    for (const [i, name] of names.entries()) ssm.put(name, `value-${i}`);
    const env: Record<string, string | undefined> = {
      VIGIE_SSM_SECRETS: names.join(','),
      SECRET_3: 'already set',
    };
    const loaded = await loadSsmSecrets(env, client());
    expect(loaded).toHaveLength(12);
    expect(env.SECRET_0).toBe('value-0');
    expect(env.SECRET_11).toBe('value-11');
    // A setting given in the environment wins (local runs).
    expect(env.SECRET_3).toBe('already set');
    expect(ssm.requested.map((batch) => batch.length)).toEqual([10, 2]);
  });

  it('fails the cold start naming a parameter that does not exist', async () => {
    const env = { VIGIE_SSM_SECRETS: '/vigie/staging/DATABASE_URL,/vigie/staging/MISSING' };
    ssm.put('/vigie/staging/DATABASE_URL', 'postgres://x');
    await expect(loadSsmSecrets(env, client())).rejects.toThrow(/\/vigie\/staging\/MISSING/);
  });

  it('does nothing without VIGIE_SSM_SECRETS (local staging)', async () => {
    const before = ssm.requested.length;
    expect(await loadSsmSecrets({}, client())).toEqual([]);
    expect(ssm.requested.length).toBe(before);
  });

  it('is refused with credentials the stand-in does not know', async () => {
    const stranger = new SSMClient({
      endpoint: ssm.url,
      region: ssm.region,
      credentials: { accessKeyId: 'AKIASOMEONEELSE00000', secretAccessKey: 'x' },
    });
    await expect(
      loadSsmSecrets({ VIGIE_SSM_SECRETS: '/vigie/staging/DATABASE_URL' }, stranger),
    ).rejects.toThrow(/security token/);
  });
});
