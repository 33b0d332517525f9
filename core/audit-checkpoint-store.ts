/**
 * Where the S3 checkpoint store writes, under its bucket: the adapter
 * (`adapters/privacy/checkpoint-store.ts`) and the Pulumi program (the function's IAM policy is
 * scoped to this prefix) share the one spelling.
 */
export const AUDIT_CHECKPOINT_S3_PREFIX = 'audit-checkpoints/';
