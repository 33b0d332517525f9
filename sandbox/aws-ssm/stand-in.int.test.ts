import { GetParametersCommand, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SsmStandIn, startSsmStandIn } from './stand-in.ts';

// Through @aws-sdk/client-ssm, held to the API reference's GetParameters page. An unknown
// access key: AWS JSON services answer UnrecognizedClientException with HTTP 400 (listed among
// the 400 codes in "Error handling with DynamoDB"; the SSM reference gives no status).
let ssm: SsmStandIn;
const client = (accessKeyId = ssm.accessKeyId) =>
  new SSMClient({
    endpoint: ssm.url,
    region: ssm.region,
    credentials: { accessKeyId, secretAccessKey: ssm.secretAccessKey },
    maxAttempts: 1,
  });

beforeAll(async () => {
  ssm = await startSsmStandIn();
  ssm.put('/vigie/test/HIERARCHICAL', 'h');
  ssm.put('plain', 'p', 'String');
});
afterAll(async () => {
  await ssm.close();
});

describe('SSM Parameter Store stand-in through the AWS SDK', () => {
  it('GetParameters: values, InvalidParameters, ARNs with a single slash', async () => {
    const out = await client().send(
      new GetParametersCommand({
        Names: ['/vigie/test/HIERARCHICAL', 'plain', 'missing'],
        WithDecryption: true,
      }),
    );
    expect(out.InvalidParameters).toEqual(['missing']);
    const arns = Object.fromEntries(out.Parameters!.map((p) => [p.Name, p.ARN]));
    expect(arns).toEqual({
      '/vigie/test/HIERARCHICAL': `arn:aws:ssm:${ssm.region}:123456789012:parameter/vigie/test/HIERARCHICAL`,
      plain: `arn:aws:ssm:${ssm.region}:123456789012:parameter/plain`,
    });
    expect(out.Parameters!.find((p) => p.Name === 'plain')?.LastModifiedDate).toBeInstanceOf(Date);
  });

  it('a foreign access key is UnrecognizedClientException with HTTP 400', async () => {
    const error = await client('AKIAOTHERKEY00000000')
      .send(new GetParametersCommand({ Names: ['plain'] }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SSMServiceException);
    expect(error).toMatchObject({
      name: 'UnrecognizedClientException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('more than 10 names is a ValidationException', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `n${i}`);
    await expect(client().send(new GetParametersCommand({ Names: names }))).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
  });
});
