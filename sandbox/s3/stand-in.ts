/**
 * Amazon S3 stand-in: the calls the audit checkpoint store makes, over S3's REST API in path
 * style (`/{bucket}/{key}`), with S3's XML bodies and error codes, driven by
 * `@aws-sdk/client-s3` (`endpoint` + `forcePathStyle`). Held to the S3 API Reference
 * (docs.aws.amazon.com/AmazonS3/latest/API/) and the Object Lock guide
 * (docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html), read 2026-11-30:
 *
 * - `PutObject` (`PUT /{bucket}/{key}`): a new version per put (Object Lock buckets are
 *   versioned). `x-amz-object-lock-mode` (GOVERNANCE | COMPLIANCE) and
 *   `x-amz-object-lock-retain-until-date` come together or not at all (400 InvalidArgument), on
 *   a bucket created with Object Lock only (400 InvalidRequest), with a date in the future
 *   (400 InvalidArgument). With them, the request must carry `Content-MD5` or an
 *   `x-amz-checksum-*` header (400 InvalidRequest "Content-MD5 OR x-amz-checksum- HTTP header is
 *   required for Put Object requests with Object Lock parameters"). A given checksum that does
 *   not match the body is 400 BadDigest. Answers `ETag` (the body's MD5) and `x-amz-version-id`.
 * - `GetObject` (`GET /{bucket}/{key}`, optional `versionId`): the current version, with its
 *   retention headers; a key whose current version is a delete marker is 404 NoSuchKey.
 * - `ListObjectsV2` (`GET /{bucket}?list-type=2`): `prefix`, `max-keys` (≤ 1,000),
 *   `start-after`, `continuation-token`; keys in UTF-8 binary order; keys whose current version
 *   is a delete marker are not listed.
 * - `DeleteObject` (`DELETE /{bucket}/{key}`): without `versionId`, a versioned bucket adds a
 *   delete marker (204, `x-amz-delete-marker: true`) and keeps every version; with the
 *   `versionId` of a version under retention, 403 AccessDenied — COMPLIANCE for everyone,
 *   GOVERNANCE unless `x-amz-bypass-governance-retention: true`.
 *
 * Authentication: a SigV4 `Authorization` header whose access key id is the stand-in's (403
 * InvalidAccessKeyId otherwise); the signature itself is not recomputed. Buckets are made with
 * `createBucket` (the Pulumi program makes the real one). `aws-chunked` bodies (streamed
 * uploads with trailing checksums) are not implemented: 501.
 */
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { Hono } from 'hono';
import { listen } from '../http-faults.ts';

interface Version {
  versionId: string;
  deleteMarker: boolean;
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
  lock?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; retainUntil: Date };
}

interface Bucket {
  objectLock: boolean;
  /** Key → versions, oldest first. */
  objects: Map<string, Version[]>;
}

export interface S3StandIn {
  url: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  createBucket(name: string, options?: { objectLock?: boolean }): void;
  /** Every version of a key, delete markers included, oldest first (for tests). */
  versions(bucket: string, key: string): Array<Omit<Version, 'body'> & { body: string }>;
  close(): Promise<void>;
}

const MAX_KEYS = 1_000;

export async function startS3StandIn(
  options: { region?: string; now?: () => Date } = {},
): Promise<S3StandIn> {
  const region = options.region ?? 'eu-west-3';
  const now = options.now ?? (() => new Date());
  const accessKeyId = 'AKIAVIGIES3STANDIN01';
  const secretAccessKey = 'vigie-s3-stand-in-secret-access-key';
  const buckets = new Map<string, Bucket>();
  // `strict: false`: the SDK lists with `GET /{bucket}/`, the trailing slash included.
  const app = new Hono({ strict: false });

  const xml = (body: string, status = 200, headers: Record<string, string> = {}) =>
    new Response(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`, {
      status,
      headers: { 'content-type': 'application/xml', ...headers },
    });
  const error = (status: number, code: string, message: string, extra = '') =>
    xml(
      `<Error><Code>${code}</Code><Message>${escape(message)}</Message>${extra}<RequestId>${randomBytes(8).toString('hex').toUpperCase()}</RequestId></Error>`,
      status,
    );

  app.use('*', async (c, next) => {
    const auth = c.req.header('authorization') ?? '';
    if (!auth.startsWith(`AWS4-HMAC-SHA256 Credential=${accessKeyId}/`)) {
      return error(
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
      );
    }
    return next();
  });

  const bucketOf = (name: string) => buckets.get(name);
  const noBucket = (name: string) =>
    error(
      404,
      'NoSuchBucket',
      'The specified bucket does not exist',
      `<BucketName>${escape(name)}</BucketName>`,
    );
  const current = (bucket: Bucket, key: string) => bucket.objects.get(key)?.at(-1);

  // ListObjectsV2 (GET /{bucket}?list-type=2).
  app.get('/:bucket', (c) => {
    const name = c.req.param('bucket');
    const bucket = bucketOf(name);
    if (!bucket) return noBucket(name);
    if (c.req.query('list-type') !== '2') {
      return error(501, 'NotImplemented', 'This stand-in lists with ListObjectsV2 only.');
    }
    const prefix = c.req.query('prefix') ?? '';
    const maxKeys = Math.min(Number(c.req.query('max-keys') ?? MAX_KEYS), MAX_KEYS);
    if (!Number.isInteger(maxKeys) || maxKeys < 0) {
      return error(
        400,
        'InvalidArgument',
        'Provided max-keys not an integer or within integer range',
      );
    }
    const token = c.req.query('continuation-token');
    const after = token
      ? Buffer.from(token, 'base64url').toString('utf8')
      : (c.req.query('start-after') ?? '');
    const keys = [...bucket.objects.keys()]
      .filter((k) => k.startsWith(prefix) && current(bucket, k)?.deleteMarker === false)
      .filter((k) => after === '' || Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;
    const urlEncoded = c.req.query('encoding-type') === 'url';
    const enc = (k: string) => (urlEncoded ? encodeURIComponent(k) : escape(k));
    const contents = page
      .map((key) => {
        const v = current(bucket, key) as Version;
        return `<Contents><Key>${enc(key)}</Key><LastModified>${v.lastModified.toISOString()}</LastModified><ETag>&quot;${v.etag}&quot;</ETag><Size>${v.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    return xml(
      `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escape(name)}</Name><Prefix>${enc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>${urlEncoded ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${truncated}</IsTruncated>${contents}${
        truncated
          ? `<NextContinuationToken>${Buffer.from(page.at(-1) as string).toString('base64url')}</NextContinuationToken>`
          : ''
      }${token ? `<ContinuationToken>${escape(token)}</ContinuationToken>` : ''}</ListBucketResult>`,
    );
  });

  // PutObject.
  app.put('/:bucket/:key{.+}', async (c) => {
    const name = c.req.param('bucket');
    const key = decodeURIComponent(c.req.param('key'));
    const bucket = bucketOf(name);
    if (!bucket) return noBucket(name);
    if ((c.req.header('content-encoding') ?? '').includes('aws-chunked')) {
      return error(501, 'NotImplemented', 'This stand-in does not take aws-chunked uploads.');
    }
    const body = Buffer.from(await c.req.arrayBuffer());
    const modeHeader = c.req.header('x-amz-object-lock-mode');
    const untilHeader = c.req.header('x-amz-object-lock-retain-until-date');
    let lock: Version['lock'];
    if (modeHeader !== undefined || untilHeader !== undefined) {
      if (modeHeader === undefined || untilHeader === undefined) {
        return error(
          400,
          'InvalidArgument',
          'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
        );
      }
      if (!bucket.objectLock) {
        return error(400, 'InvalidRequest', 'Bucket is missing Object Lock Configuration');
      }
      if (modeHeader !== 'GOVERNANCE' && modeHeader !== 'COMPLIANCE') {
        return error(400, 'InvalidArgument', 'Unknown wormMode directive.');
      }
      const retainUntil = new Date(untilHeader);
      if (Number.isNaN(retainUntil.getTime())) {
        return error(400, 'InvalidArgument', 'The retain until date is not a valid date.');
      }
      if (retainUntil.getTime() <= now().getTime()) {
        return error(400, 'InvalidArgument', 'The retain until date must be in the future!');
      }
      const checksummed =
        c.req.header('content-md5') !== undefined ||
        Object.keys(c.req.header()).some((h) => h.toLowerCase().startsWith('x-amz-checksum-'));
      if (!checksummed) {
        return error(
          400,
          'InvalidRequest',
          'Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters',
        );
      }
      lock = { mode: modeHeader, retainUntil };
    }
    const md5 = createHash('md5').update(body).digest();
    const givenMd5 = c.req.header('content-md5');
    if (givenMd5 !== undefined && givenMd5 !== md5.toString('base64')) {
      return error(
        400,
        'BadDigest',
        'The Content-MD5 you specified did not match what we received.',
      );
    }
    const checksums: Record<string, string> = {
      crc32: Buffer.from(uint32(crc32(body))).toString('base64'),
      sha1: createHash('sha1').update(body).digest('base64'),
      sha256: createHash('sha256').update(body).digest('base64'),
    };
    const echoed: Record<string, string> = {};
    for (const [algorithm, expected] of Object.entries(checksums)) {
      const given = c.req.header(`x-amz-checksum-${algorithm}`);
      if (given === undefined) continue;
      if (given !== expected) {
        return error(
          400,
          'BadDigest',
          `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        );
      }
      echoed[`x-amz-checksum-${algorithm}`] = given;
    }
    const version: Version = {
      versionId: bucket.objectLock ? randomBytes(16).toString('base64url') : 'null',
      deleteMarker: false,
      body,
      contentType: c.req.header('content-type') ?? 'binary/octet-stream',
      etag: md5.toString('hex'),
      lastModified: now(),
      ...(lock ? { lock } : {}),
    };
    const versions = bucket.objects.get(key) ?? [];
    // An unversioned bucket keeps one version (the "null" one); an Object Lock bucket keeps all.
    bucket.objects.set(key, bucket.objectLock ? [...versions, version] : [version]);
    return new Response(null, {
      status: 200,
      headers: {
        etag: `"${version.etag}"`,
        ...(bucket.objectLock ? { 'x-amz-version-id': version.versionId } : {}),
        ...echoed,
      },
    });
  });

  // GetObject.
  app.get('/:bucket/:key{.+}', (c) => {
    const name = c.req.param('bucket');
    const key = decodeURIComponent(c.req.param('key'));
    const bucket = bucketOf(name);
    if (!bucket) return noBucket(name);
    const versionId = c.req.query('versionId');
    const versions = bucket.objects.get(key) ?? [];
    const version = versionId ? versions.find((v) => v.versionId === versionId) : versions.at(-1);
    if (!version || version.deleteMarker) {
      if (versionId && !version) {
        return error(404, 'NoSuchVersion', 'The specified version does not exist.');
      }
      const response = error(
        404,
        'NoSuchKey',
        'The specified key does not exist.',
        `<Key>${escape(key)}</Key>`,
      );
      if (version?.deleteMarker) response.headers.set('x-amz-delete-marker', 'true');
      return response;
    }
    return new Response(new Uint8Array(version.body), {
      status: 200,
      headers: {
        'content-type': version.contentType,
        'content-length': String(version.body.length),
        etag: `"${version.etag}"`,
        'last-modified': version.lastModified.toUTCString(),
        ...(bucket.objectLock ? { 'x-amz-version-id': version.versionId } : {}),
        ...(version.lock
          ? {
              'x-amz-object-lock-mode': version.lock.mode,
              'x-amz-object-lock-retain-until-date': version.lock.retainUntil.toISOString(),
            }
          : {}),
      },
    });
  });

  // DeleteObject.
  app.delete('/:bucket/:key{.+}', (c) => {
    const name = c.req.param('bucket');
    const key = decodeURIComponent(c.req.param('key'));
    const bucket = bucketOf(name);
    if (!bucket) return noBucket(name);
    const versionId = c.req.query('versionId');
    const versions = bucket.objects.get(key) ?? [];
    if (versionId === undefined) {
      if (!bucket.objectLock) {
        bucket.objects.delete(key);
        return new Response(null, { status: 204 });
      }
      // Versioned: a delete marker on top; every version stays.
      const marker: Version = {
        versionId: randomBytes(16).toString('base64url'),
        deleteMarker: true,
        body: Buffer.alloc(0),
        contentType: '',
        etag: '',
        lastModified: now(),
      };
      bucket.objects.set(key, [...versions, marker]);
      return new Response(null, {
        status: 204,
        headers: { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId },
      });
    }
    const version = versions.find((v) => v.versionId === versionId);
    if (!version) return new Response(null, { status: 204 }); // S3: deleting a missing version succeeds
    const retained = version.lock && version.lock.retainUntil.getTime() > now().getTime();
    const bypass =
      version.lock?.mode === 'GOVERNANCE' &&
      c.req.header('x-amz-bypass-governance-retention') === 'true';
    if (retained && !bypass) {
      return error(403, 'AccessDenied', 'Access Denied because object protected by object lock.');
    }
    bucket.objects.set(
      key,
      versions.filter((v) => v !== version),
    );
    return new Response(null, {
      status: 204,
      headers: {
        'x-amz-version-id': version.versionId,
        ...(version.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
      },
    });
  });

  const server = await listen(app);
  return {
    url: server.url,
    region,
    accessKeyId,
    secretAccessKey,
    createBucket(name, opts = {}) {
      buckets.set(name, { objectLock: opts.objectLock === true, objects: new Map() });
    },
    versions(bucketName, key) {
      return (buckets.get(bucketName)?.objects.get(key) ?? []).map((v) => ({
        ...v,
        body: v.body.toString('utf8'),
      }));
    },
    close: server.close,
  };
}

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

function escape(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
