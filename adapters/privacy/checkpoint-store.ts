/**
 * Where signed audit checkpoints live: outside the database they vouch for, in a store the
 * database's users cannot rewrite. A small port with two implementations:
 *
 * - `fileCheckpointStore` — local staging and tests: one JSON line per checkpoint, appended
 *   (`O_APPEND`) and fsynced, in the state directory, away from the Postgres data directory.
 * - `s3CheckpointStore` — deployed stages: one object per checkpoint in an S3 bucket with
 *   Object Lock, each locked in COMPLIANCE mode until its retain-until date, so no one (the
 *   account's root included) can delete or overwrite it before then; see
 *   docs/audit-anchoring.md.
 * - `upstashCheckpointStore` — an Upstash Redis stream (`XADD`, never trimmed), another
 *   provider with its own credentials; its token holder could still delete entries.
 *
 * Deleting checkpoints cannot forge one (they are signed) but could roll the anchor back; each
 * checkpoint names its predecessor's digest, so a removed one shows as a broken link.
 */
import { open, readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type * as S3SdkModule from '@aws-sdk/client-s3';
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Redis } from '@upstash/redis';
import { AUDIT_CHECKPOINT_S3_PREFIX } from '../../core/audit-checkpoint-store.ts';
import type { SignedCheckpoint } from '../../core/privacy/audit-checkpoint.ts';

export interface CheckpointStore {
  /** Appends one checkpoint; resolves once it is durable. */
  append(checkpoint: SignedCheckpoint): Promise<void>;
  /** The newest checkpoint, as stored (unverified), or undefined when none. */
  latest(): Promise<unknown>;
  /** What the store is, for messages (no secrets). */
  readonly description: string;
}

export function fileCheckpointStore(file: string): CheckpointStore {
  return {
    description: `file ${file}`,
    async append(checkpoint) {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const handle = await open(file, 'a', 0o600);
      try {
        await handle.write(`${JSON.stringify(checkpoint)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    async latest() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      const last = lines.at(-1);
      if (last === undefined) return undefined;
      try {
        return JSON.parse(last) as unknown;
      } catch {
        return { unreadable: true };
      }
    },
  };
}

/** Object keys sort newest first: S3 lists keys in ascending UTF-8 order, so the latest is one small listing away. */
const NEWEST_FIRST_BASE = 10 ** 15;

/**
 * Deployments: one S3 object per checkpoint in a bucket with Object Lock, each written in
 * COMPLIANCE mode with a retain-until date `retentionDays` ahead, so no one — the AWS account's
 * root included — can delete or overwrite it before then (docs/audit-anchoring.md). The key
 * counts down with time (`<prefix><10^15 − ms>-<ISO time>.json`) so `ListObjectsV2` with
 * `MaxKeys: 1` names the newest. Every put carries a SHA-256 checksum: S3 refuses an Object
 * Lock put without `Content-MD5` or an `x-amz-checksum-*` header.
 */
export function s3CheckpointStore(options: {
  /** A client to use; else one is made from `clientConfig` on first use. */
  client?: Pick<S3Client, 'send'>;
  clientConfig?: S3ClientConfig;
  bucket: string;
  retentionDays: number;
  prefix?: string;
  now?: () => Date;
}): CheckpointStore {
  const prefix = options.prefix ?? AUDIT_CHECKPOINT_S3_PREFIX;
  const now = options.now ?? (() => new Date());
  let loaded: Promise<{ sdk: S3Sdk; client: Pick<S3Client, 'send'> }> | undefined;
  // The SDK loads on first use: only the functions that anchor pay for it.
  const s3 = () =>
    (loaded ??= loadS3Sdk().then((sdk) => ({
      sdk,
      client: options.client ?? new sdk.S3Client(options.clientConfig ?? {}),
    })));
  return {
    description: `S3 bucket ${options.bucket} (Object Lock, COMPLIANCE, ${options.retentionDays} days)`,
    async append(checkpoint) {
      const { sdk, client } = await s3();
      const at = new Date(checkpoint.createdAt);
      const key = `${prefix}${String(NEWEST_FIRST_BASE - at.getTime()).padStart(15, '0')}-${at.toISOString()}.json`;
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: options.bucket,
          Key: key,
          Body: JSON.stringify(checkpoint),
          ContentType: 'application/json',
          ChecksumAlgorithm: 'SHA256',
          ObjectLockMode: 'COMPLIANCE',
          ObjectLockRetainUntilDate: new Date(
            now().getTime() + options.retentionDays * 24 * 3_600_000,
          ),
        }),
      );
    },
    async latest() {
      const { sdk, client } = await s3();
      const listed = await client.send(
        new sdk.ListObjectsV2Command({ Bucket: options.bucket, Prefix: prefix, MaxKeys: 1 }),
      );
      const key = listed.Contents?.[0]?.Key;
      if (key === undefined) return undefined;
      const object = await client.send(
        new sdk.GetObjectCommand({ Bucket: options.bucket, Key: key }),
      );
      const text = (await object.Body?.transformToString('utf8')) ?? '';
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return { unreadable: true };
      }
    },
  };
}

type S3Sdk = typeof S3SdkModule;

async function loadS3Sdk(): Promise<S3Sdk> {
  const sdk = await import('@aws-sdk/client-s3');
  // A CommonJS package: in an ESM bundle its exports come as `default`, unbundled as names.
  return 'S3Client' in sdk && sdk.S3Client ? sdk : (sdk as unknown as { default: S3Sdk }).default;
}

export const CHECKPOINT_STREAM = 'vigie:audit:checkpoints';

export function upstashCheckpointStore(redis: Redis, key = CHECKPOINT_STREAM): CheckpointStore {
  return {
    description: `Upstash stream ${key}`,
    async append(checkpoint) {
      await redis.xadd(key, '*', { checkpoint: JSON.stringify(checkpoint) });
    },
    async latest() {
      const reply: unknown = await redis.xrevrange(key, '+', '-', 1);
      const value = checkpointField(reply);
      if (value === undefined) return undefined;
      // With the client's automatic deserialization the value comes parsed already.
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return { unreadable: true };
      }
    },
  };
}

/**
 * The `checkpoint` field of the newest entry: the raw reply is `[[id, [field, value, …]]]`
 * (how our client is configured), the deserialized one `{ id: { field: value } }`.
 */
function checkpointField(reply: unknown): unknown {
  if (Array.isArray(reply)) {
    const fields = (reply[0] as [string, unknown[]] | undefined)?.[1] ?? [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'checkpoint') return fields[i + 1];
    }
    return undefined;
  }
  if (typeof reply === 'object' && reply !== null) {
    const first = Object.values(reply)[0] as Record<string, unknown> | undefined;
    return first?.checkpoint;
  }
  return undefined;
}
