import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_CHECKPOINT_S3_PREFIX } from '../../core/audit-checkpoint-store.ts';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import {
  type SignedCheckpoint,
  checkpointSignatureOk,
  signCheckpoint,
} from '../../core/privacy/audit-checkpoint.ts';
import { receiptSignerFrom } from '../../core/privacy/receipt.ts';
import { type S3StandIn, startS3StandIn } from '../../sandbox/s3/stand-in.ts';
import { checkpointStoreFrom } from './checkpoint-config.ts';

let s3: S3StandIn;
let client: S3Client;
const BUCKET = 'vigie-audit-checkpoints-test';
const signer = receiptSignerFrom('an audit checkpoint key of at least thirty-two chars');
const day = 24 * 3_600_000;

beforeAll(async () => {
  s3 = await startS3StandIn();
  s3.createBucket(BUCKET, { objectLock: true });
  client = new S3Client({
    region: s3.region,
    endpoint: s3.url,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

/** What a deployed stage's settings make of the store (the bucket named, nothing else). */
const deployed = (extra: Record<string, string> = {}) =>
  parseConfig({
    VIGIE_STAGE: 'staging',
    AUDIT_CHECKPOINT_BUCKET: BUCKET,
    AUDIT_CHECKPOINT_S3_ENDPOINT: s3.url,
    ...extra,
  });

function checkpoint(at: string, previous?: SignedCheckpoint): SignedCheckpoint {
  return signCheckpoint(
    {
      createdAt: new Date(at),
      heads: [
        { userId: '00000000-0000-0000-0000-000000000000', seq: '3', rowHash: 'ab'.repeat(32) },
      ],
      previous,
    },
    signer,
  );
}

describe('the S3 Object Lock checkpoint store', () => {
  it('is what a deployed stage naming a bucket uses; local staging keeps the file', () => {
    expect(checkpointStoreFrom(deployed(), client).description).toBe(
      `S3 bucket ${BUCKET} (Object Lock, COMPLIANCE, 1095 days)`,
    );
    const local = checkpointStoreFrom(
      parseConfig({ VIGIE_STAGE: 'local', VIGIE_STATE_DIR: '/tmp/x' }),
    );
    expect(local.description).toBe('file /tmp/x/audit/checkpoints.jsonl');
    expect(() =>
      checkpointStoreFrom(parseConfig({ VIGIE_STAGE: 'prod', AUDIT_CHECKPOINT_STORE: 's3' })),
    ).toThrow(VigieError);
  });

  it('writes each checkpoint as its own object, locked in COMPLIANCE mode for the retention', async () => {
    const store = checkpointStoreFrom(deployed({ AUDIT_CHECKPOINT_RETENTION_DAYS: '30' }), client);
    const before = Date.now();
    const first = checkpoint('2026-11-30T10:20:00.000Z');
    await store.append(first);
    const second = checkpoint('2026-11-30T11:20:00.000Z', first);
    await store.append(second);

    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const keys = (listed.Contents ?? []).map((c) => c.Key!);
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      const [version] = s3.versions(BUCKET, key);
      expect(version?.lock?.mode).toBe('COMPLIANCE');
      const until = version!.lock!.retainUntil.getTime();
      expect(until).toBeGreaterThanOrEqual(before + 30 * day);
      expect(until).toBeLessThanOrEqual(Date.now() + 30 * day);
    }
    // Read back for `vigie audit verify`: the newest, intact and signed.
    const latest = await store.latest();
    expect(latest).toEqual(second);
    expect(checkpointSignatureOk(latest, signer.publicKey)).toBe(true);
  });

  it('the newest is found among many (keys count down with time), and a locked one cannot be deleted', async () => {
    s3.createBucket('vigie-audit-many', { objectLock: true });
    const store = checkpointStoreFrom(
      deployed({ AUDIT_CHECKPOINT_BUCKET: 'vigie-audit-many' }),
      client,
    );
    // Appended out of order: the newest by its time wins, not the last written.
    const hours = [3, 1, 12, 7, 10, 2];
    for (const h of hours)
      await store.append(checkpoint(`2026-12-01T${String(h).padStart(2, '0')}:00:00.000Z`));
    expect((await store.latest()) as SignedCheckpoint).toMatchObject({
      createdAt: '2026-12-01T12:00:00.000Z',
    });
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: 'vigie-audit-many', MaxKeys: 1 }),
    );
    const key = listed.Contents![0]!.Key!;
    const [version] = s3.versions('vigie-audit-many', key);
    await expect(
      client.send(
        new DeleteObjectCommand({
          Bucket: 'vigie-audit-many',
          Key: key,
          VersionId: version!.versionId,
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it("calls only what the audit-anchor function's role allows (infra/components/audit-checkpoint-bucket.ts)", async () => {
    // The role: s3:PutObject + s3:PutObjectRetention (lock headers) and s3:GetObject on
    // `<bucket>/audit-checkpoints/*`, s3:ListBucket with an `audit-checkpoints/*` prefix.
    const sent: Array<{
      command: string;
      bucket: unknown;
      key: unknown;
      prefix: unknown;
      lock: unknown;
    }> = [];
    const recording = {
      send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({
          command: command.constructor.name,
          bucket: command.input.Bucket,
          key: command.input.Key,
          prefix: command.input.Prefix,
          lock: command.input.ObjectLockMode,
        });
        return client.send(command as never);
      },
    } as unknown as Pick<S3Client, 'send'>;
    const store = checkpointStoreFrom(deployed(), recording);
    await store.append(checkpoint('2026-12-02T00:00:00.000Z'));
    await store.latest();
    expect(sent.map((c) => c.command)).toEqual([
      'PutObjectCommand',
      'ListObjectsV2Command',
      'GetObjectCommand',
    ]);
    for (const c of sent) expect(c.bucket).toBe(BUCKET);
    expect(sent[0]).toMatchObject({
      key: expect.stringMatching(/^audit-checkpoints\//),
      lock: 'COMPLIANCE',
    });
    expect(sent[1]!.prefix).toBe(AUDIT_CHECKPOINT_S3_PREFIX);
    expect(sent[2]!.key).toMatch(/^audit-checkpoints\//);
  });

  it('an empty bucket has no latest checkpoint', async () => {
    s3.createBucket('vigie-audit-empty', { objectLock: true });
    const store = checkpointStoreFrom(
      deployed({ AUDIT_CHECKPOINT_BUCKET: 'vigie-audit-empty' }),
      client,
    );
    expect(await store.latest()).toBeUndefined();
  });
});
