import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3StandIn, startS3StandIn } from './stand-in.ts';

// The stand-in held to S3's published behaviour for the calls the checkpoint store makes,
// exercised through the official SDK (what a real bucket would answer, per the S3 API
// Reference and the Object Lock guide).
let s3: S3StandIn;
let client: S3Client;
const LOCKED = 'vigie-locked';
const PLAIN = 'vigie-plain';
const day = 24 * 3_600_000;

beforeAll(async () => {
  s3 = await startS3StandIn();
  s3.createBucket(LOCKED, { objectLock: true });
  s3.createBucket(PLAIN);
  client = sdk();
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

function sdk(extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}) {
  return new S3Client({
    region: s3.region,
    endpoint: s3.url,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    maxAttempts: 1,
    ...extra,
  });
}

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) {
      return { name: error.name, status: error.$metadata.httpStatusCode, message: error.message };
    }
    throw error;
  }
  throw new Error('expected S3 to refuse');
}

const lockedPut = (key: string, body: string, until = new Date(Date.now() + day)) =>
  new PutObjectCommand({
    Bucket: LOCKED,
    Key: key,
    Body: body,
    ObjectLockMode: 'COMPLIANCE',
    ObjectLockRetainUntilDate: until,
    ChecksumAlgorithm: 'SHA256',
  });

describe('S3 stand-in: PutObject with Object Lock', () => {
  it('stores a COMPLIANCE object with its retain-until date; GetObject returns both', async () => {
    const until = new Date(Date.now() + 3 * day);
    const put = await client.send(lockedPut('a/one.json', '{"n":1}', until));
    expect(put.VersionId).toEqual(expect.any(String));
    expect(put.ETag).toBe(`"${createHash('md5').update('{"n":1}').digest('hex')}"`);
    const got = await client.send(new GetObjectCommand({ Bucket: LOCKED, Key: 'a/one.json' }));
    expect(await got.Body?.transformToString()).toBe('{"n":1}');
    expect(got.ObjectLockMode).toBe('COMPLIANCE');
    expect(got.ObjectLockRetainUntilDate?.toISOString()).toBe(until.toISOString());
  });

  it('needs Content-MD5 or an x-amz-checksum header with lock parameters (400 InvalidRequest)', async () => {
    // An SDK told to add checksums only where the API requires them sends none for PutObject.
    const bare = sdk({ requestChecksumCalculation: 'WHEN_REQUIRED' });
    try {
      const put = new PutObjectCommand({
        Bucket: LOCKED,
        Key: 'a/bare.json',
        Body: '{}',
        ObjectLockMode: 'COMPLIANCE',
        ObjectLockRetainUntilDate: new Date(Date.now() + day),
      });
      expect(await refusal(bare.send(put))).toEqual({
        name: 'InvalidRequest',
        status: 400,
        message:
          'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
      });
      // With Content-MD5 it is accepted; a wrong one is BadDigest.
      const md5 = createHash('md5').update('{}').digest('base64');
      await bare.send(new PutObjectCommand({ ...put.input, ContentMD5: md5 }));
      const wrong = createHash('md5').update('other').digest('base64');
      expect(
        await refusal(bare.send(new PutObjectCommand({ ...put.input, ContentMD5: wrong }))),
      ).toMatchObject({ name: 'BadDigest', status: 400 });
    } finally {
      bare.destroy();
    }
  });

  it('refuses lock parameters on a bucket without Object Lock, half of them, or a past date', async () => {
    const plain = new PutObjectCommand({
      ...lockedPut('x', '{}').input,
      Bucket: PLAIN,
    });
    expect(await refusal(client.send(plain))).toMatchObject({
      name: 'InvalidRequest',
      status: 400,
      message: 'Bucket is missing Object Lock Configuration',
    });
    const half = new PutObjectCommand({
      Bucket: LOCKED,
      Key: 'x',
      Body: '{}',
      ObjectLockMode: 'COMPLIANCE',
    });
    expect(await refusal(client.send(half))).toMatchObject({
      name: 'InvalidArgument',
      status: 400,
    });
    expect(
      await refusal(client.send(lockedPut('x', '{}', new Date(Date.now() - 1_000)))),
    ).toMatchObject({
      name: 'InvalidArgument',
      message: 'The retain until date must be in the future!',
    });
  });
});

describe('S3 stand-in: DeleteObject under retention', () => {
  it('refuses to delete a retained version (403 AccessDenied); a plain delete only adds a delete marker', async () => {
    const put = await client.send(lockedPut('b/kept.json', '{"kept":true}'));
    expect(
      await refusal(
        client.send(
          new DeleteObjectCommand({ Bucket: LOCKED, Key: 'b/kept.json', VersionId: put.VersionId }),
        ),
      ),
    ).toMatchObject({ name: 'AccessDenied', status: 403 });

    const marked = await client.send(
      new DeleteObjectCommand({ Bucket: LOCKED, Key: 'b/kept.json' }),
    );
    expect(marked.DeleteMarker).toBe(true);
    expect(
      await refusal(client.send(new GetObjectCommand({ Bucket: LOCKED, Key: 'b/kept.json' }))),
    ).toMatchObject({ name: 'NoSuchKey', status: 404 });
    // The version is still there, readable by its id.
    const old = await client.send(
      new GetObjectCommand({ Bucket: LOCKED, Key: 'b/kept.json', VersionId: put.VersionId }),
    );
    expect(await old.Body?.transformToString()).toBe('{"kept":true}');
  });
});

describe('S3 stand-in: ListObjectsV2', () => {
  it('lists in UTF-8 binary order under a prefix, in pages, without delete-marked keys', async () => {
    for (const key of ['c/2', 'c/10', 'c/1', 'c/B', 'c/a', 'd/1']) {
      await client.send(lockedPut(key, key));
    }
    await client.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: 'c/B' }));
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: LOCKED,
          Prefix: 'c/',
          MaxKeys: 2,
          ContinuationToken: token,
        }),
      );
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      pages += 1;
    } while (token);
    expect(keys).toEqual(['c/1', 'c/10', 'c/2', 'c/a']);
    expect(pages).toBe(2);
  });

  it('refuses a request signed with another access key (403 InvalidAccessKeyId)', async () => {
    const stranger = sdk({
      credentials: { accessKeyId: 'AKIASOMEONEELSE00001', secretAccessKey: 'x' },
    });
    try {
      expect(
        await refusal(stranger.send(new ListObjectsV2Command({ Bucket: LOCKED }))),
      ).toMatchObject({ name: 'InvalidAccessKeyId', status: 403 });
    } finally {
      stranger.destroy();
    }
  });
});
