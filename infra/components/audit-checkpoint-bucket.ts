import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { AUDIT_CHECKPOINT_S3_PREFIX } from '../../core/audit-checkpoint-store.ts';
import { physicalName } from '../naming.ts';
import type { IamStatement } from './shared.ts';

export interface AuditCheckpointBucketArgs {
  /** @example "staging" */
  stage: string;
  /**
   * Default retention of every object, COMPLIANCE mode (`AUDIT_CHECKPOINT_RETENTION_DAYS`, the
   * same days the store sets on each object it writes). @example 1095
   */
  retentionDays: number;
}

/**
 * The write-once store of the signed audit checkpoints (docs/audit-anchoring.md): an S3 bucket
 * created with Object Lock (COMPLIANCE default retention: nobody, the account's root included,
 * can delete or shorten a checkpoint before then), versioning, public access blocked, SSE-S3
 * encryption, and a policy refusing any request not made over TLS. `writerStatements()` is
 * what the `audit-anchor` function may do there, and `environment()` what it is told.
 */
export class AuditCheckpointBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly bucketName: pulumi.Output<string>;
  readonly bucketArn: pulumi.Output<string>;

  constructor(
    name: string,
    args: AuditCheckpointBucketArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super('vigie:aws:AuditCheckpointBucket', name, {}, opts);
    // Children are parented to this component (SST's shape: steps as nested functions).
    const child = { parent: this };

    const bucket = createBucket();
    const versioning = createVersioning();
    createObjectLock();
    createPublicAccessBlock();
    createEncryption();
    createPolicy();

    this.bucket = bucket;
    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.registerOutputs({ bucketName: bucket.bucket, bucketArn: bucket.arn });

    function createBucket() {
      return new aws.s3.Bucket(
        `${name}Bucket`,
        {
          // Bucket names are global across AWS accounts: the provider adds a unique suffix.
          bucketPrefix: physicalName('s3BucketPrefix', args.stage, 'audit-checkpoints-'),
          // Only possible at creation; it also turns versioning on for good.
          objectLockEnabled: true,
          // Locked objects cannot be deleted anyway: never try to empty the bucket.
          forceDestroy: false,
        },
        child,
      );
    }

    function createVersioning() {
      return new aws.s3.BucketVersioning(
        `${name}Versioning`,
        { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } },
        child,
      );
    }

    function createObjectLock() {
      return new aws.s3.BucketObjectLockConfiguration(
        `${name}ObjectLock`,
        {
          bucket: bucket.id,
          objectLockEnabled: 'Enabled',
          rule: { defaultRetention: { mode: 'COMPLIANCE', days: args.retentionDays } },
        },
        { ...child, dependsOn: [versioning] },
      );
    }

    function createPublicAccessBlock() {
      return new aws.s3.BucketPublicAccessBlock(
        `${name}PublicAccessBlock`,
        {
          bucket: bucket.id,
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        },
        child,
      );
    }

    function createEncryption() {
      return new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}Encryption`,
        {
          bucket: bucket.id,
          rules: [
            {
              applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' },
              bucketKeyEnabled: true,
            },
          ],
        },
        child,
      );
    }

    function createPolicy() {
      return new aws.s3.BucketPolicy(
        `${name}Policy`,
        {
          bucket: bucket.id,
          policy: pulumi.jsonStringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'DenyInsecureTransport',
                Effect: 'Deny',
                Principal: '*',
                Action: 's3:*',
                Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
            ],
          }),
        },
        child,
      );
    }
  }

  /**
   * What `s3CheckpointStore` calls, on this bucket's checkpoint keys only: `PutObject` with
   * lock headers (which also needs `s3:PutObjectRetention`), `GetObject` and a `ListObjectsV2`
   * under the prefix (`s3:ListBucket`) to read the newest back. No delete of any kind.
   */
  writerStatements(): IamStatement[] {
    const objects = pulumi.interpolate`${this.bucketArn}/${AUDIT_CHECKPOINT_S3_PREFIX}*`;
    return [
      {
        Sid: 'AuditCheckpointsWrite',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:PutObjectRetention', 's3:GetObject'],
        Resource: objects,
      },
      {
        Sid: 'AuditCheckpointsList',
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: this.bucketArn,
        Condition: { StringLike: { 's3:prefix': `${AUDIT_CHECKPOINT_S3_PREFIX}*` } },
      },
    ];
  }

  /** The writer's settings (core/config.ts): the store and this bucket's name. */
  environment(): Record<string, pulumi.Input<string>> {
    return { AUDIT_CHECKPOINT_STORE: 's3', AUDIT_CHECKPOINT_BUCKET: this.bucketName };
  }
}
