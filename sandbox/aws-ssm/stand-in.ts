/**
 * AWS Systems Manager Parameter Store stand-in: the one call Vigie makes, `GetParameters`
 * (docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html), over the
 * AWS JSON 1.1 protocol the SDK speaks: `POST /` with `X-Amz-Target: AmazonSSM.GetParameters`,
 * `Content-Type: application/x-amz-json-1.1`, a SigV4 `Authorization` header (its access key
 * id must be the stand-in's; the signature itself is not recomputed). Answers `Parameters`
 * (SecureString values decrypted only with `WithDecryption: true`) and `InvalidParameters`;
 * more than 10 names is a `ValidationException`, as in AWS; a foreign access key is
 * `UnrecognizedClientException` with HTTP 400, as AWS JSON services answer it (not 403). ARNs
 * are `…:parameter/<name>` with one slash whether or not the name starts with one. Driven by `@aws-sdk/client-ssm`
 * through `AWS_ENDPOINT_URL_SSM`.
 */
import { Hono } from 'hono';
import { listen } from '../http-faults.ts';

export interface SsmStandIn {
  url: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  put(name: string, value: string, type?: 'String' | 'SecureString'): void;
  /** Names asked for, in order (tests prove what a cold start read). */
  requested: string[][];
  close(): Promise<void>;
}

export async function startSsmStandIn(options: { region?: string } = {}): Promise<SsmStandIn> {
  const region = options.region ?? 'eu-west-3';
  const accessKeyId = 'AKIAVIGIESTANDIN0001';
  const secretAccessKey = 'vigie-stand-in-secret-access-key';
  const parameters = new Map<string, { value: string; type: string; version: number }>();
  const requested: string[][] = [];
  const app = new Hono();
  const error = (type: string, message: string, status = 400) =>
    new Response(JSON.stringify({ __type: type, message }), {
      status,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
    });

  app.post('/', async (c) => {
    const auth = c.req.header('authorization') ?? '';
    if (!auth.startsWith(`AWS4-HMAC-SHA256 Credential=${accessKeyId}/`)) {
      return error(
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      );
    }
    if (c.req.header('x-amz-target') !== 'AmazonSSM.GetParameters') {
      return error('UnknownOperationException', 'This stand-in only implements GetParameters.');
    }
    const body = (await c.req.json().catch(() => null)) as {
      Names?: unknown;
      WithDecryption?: unknown;
    } | null;
    const names = body?.Names;
    if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== 'string')) {
      return error(
        'ValidationException',
        "1 validation error detected: Value at 'names' failed to satisfy constraint.",
      );
    }
    if (names.length > 10) {
      return error(
        'ValidationException',
        "1 validation error detected: Value at 'names' failed to satisfy constraint: Member must have length less than or equal to 10",
      );
    }
    requested.push(names as string[]);
    const found = (names as string[]).filter((n) => parameters.has(n));
    return new Response(
      JSON.stringify({
        Parameters: found.map((name) => {
          const p = parameters.get(name)!;
          const hidden = p.type === 'SecureString' && body?.WithDecryption !== true;
          return {
            Name: name,
            Type: p.type,
            Value: hidden ? 'AQICAHh-encrypted-by-the-stand-in' : p.value,
            Version: p.version,
            LastModifiedDate: Date.now() / 1000,
            ARN: `arn:aws:ssm:${region}:123456789012:parameter/${name.replace(/^\//, '')}`,
            DataType: 'text',
          };
        }),
        InvalidParameters: (names as string[]).filter((n) => !parameters.has(n)),
      }),
      { headers: { 'content-type': 'application/x-amz-json-1.1' } },
    );
  });

  const server = await listen(app);
  return {
    url: server.url,
    accessKeyId,
    secretAccessKey,
    region,
    requested,
    put(name, value, type = 'SecureString') {
      const version = (parameters.get(name)?.version ?? 0) + 1;
      parameters.set(name, { value, type, version });
    },
    close: server.close,
  };
}
