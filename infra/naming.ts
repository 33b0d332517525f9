/**
 * Physical names, built in one place (as SST's `naming.ts`): `vigie-<stage>-<name>`, cut to
 * the provider's limit with a short hash so two long names never collide after cutting.
 * AWS limits: Lambda function 64, IAM role 64, SQS queue 80, EventBridge Scheduler schedule 64,
 * CloudWatch alarm 255, log group 512, SNS topic 256, API Gateway API 128, S3 bucket 3–63
 * lowercase (docs/aws-limits.md).
 */
export const NAME_LIMITS = {
  lambda: 64,
  iamRole: 64,
  sqs: 80,
  schedule: 64,
  scheduleGroup: 64,
  alarm: 255,
  logGroup: 512,
  snsTopic: 256,
  api: 128,
  ssmParameter: 1011,
  /** `bucketPrefix`: the provider appends a 26-character unique suffix (bucket names: 3–63). */
  s3BucketPrefix: 37,
} as const;

export type NameKind = keyof typeof NAME_LIMITS;

/** Characters each kind allows; anything else becomes `-`. */
const ALLOWED: Record<NameKind, RegExp> = {
  lambda: /[^a-zA-Z0-9_-]/g,
  iamRole: /[^a-zA-Z0-9+=,.@_-]/g,
  sqs: /[^a-zA-Z0-9_-]/g,
  schedule: /[^a-zA-Z0-9._-]/g,
  scheduleGroup: /[^a-zA-Z0-9._-]/g,
  alarm: /[^ -~]/g,
  logGroup: /[^a-zA-Z0-9_./#-]/g,
  snsTopic: /[^a-zA-Z0-9_-]/g,
  api: /[^ -~]/g,
  ssmParameter: /[^a-zA-Z0-9_.\-/]/g,
  s3BucketPrefix: /[^a-z0-9.-]/g,
};

export function physicalName(kind: NameKind, stage: string, name: string): string {
  const limit = NAME_LIMITS[kind];
  const full = `vigie-${stage}-${name}`.replace(ALLOWED[kind], '-');
  if (full.length <= limit) return full;
  const hash = fnv1a(full).toString(36).slice(0, 6);
  return `${full.slice(0, limit - hash.length - 1)}-${hash}`;
}

/** 32-bit FNV-1a: a stable, dependency-free short hash for truncated names. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
