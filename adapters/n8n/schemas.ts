/**
 * The n8n public API answers the client reads, as zod shapes held to the OpenAPI document n8n
 * ships (`dist/public-api/v1/openapi.yml`; the fragment and its version are in
 * `sandbox/n8n/openapi/executions.openapi.json`, facts in docs/providers/n8n.md).
 *
 * Every field the client or its callers read is checked as the document declares it (type,
 * nullability, status enum). The document's other required fields (bookkeeping such as
 * `tracingContext` or `usedPrivateCredentials`) are let through unchecked: they come and go
 * between n8n versions, and refusing an answer for a field nobody reads would turn an n8n
 * upgrade into an outage. Unknown fields are kept (`looseObject`).
 */
import * as z from 'zod';

export const N8N_EXECUTION_STATUSES = [
  'canceled',
  'crashed',
  'error',
  'new',
  'running',
  'success',
  'unknown',
  'waiting',
] as const;

const nullableText = z.string().nullable();

/** `data` when asked for with `includeData`: free-form, with n8n's redaction marker. */
const executionData = z.looseObject({
  redactionInfo: z
    .looseObject({ isRedacted: z.boolean().optional(), reason: z.string().optional() })
    .nullable()
    .optional(),
});

/** The fields every execution answer carries (list items, GET and DELETE alike). */
const executionFields = {
  finished: z.boolean(),
  mode: z.string(),
  retryOf: nullableText,
  retrySuccessId: nullableText,
  status: z.enum(N8N_EXECUTION_STATUSES),
  startedAt: nullableText,
  stoppedAt: nullableText,
  workflowId: z.string(),
  waitTill: nullableText,
  data: executionData.optional(),
  customData: z.record(z.string(), z.string()).optional(),
  workflowData: z.looseObject({}).optional(),
  dataTooLargeToDisplay: z.boolean().optional(),
};

/** `GET /executions` items and `GET /executions/{id}`: the id is a string. */
export const executionSchema = z.looseObject({ id: z.string(), ...executionFields });

/** `DELETE /executions/{id}` answers the deleted execution with its id as a number. */
export const deletedExecutionSchema = z.looseObject({
  id: z.number().int(),
  ...executionFields,
});

export const executionPageSchema = z.looseObject({
  data: z.array(executionSchema),
  nextCursor: nullableText,
});

/** The first problems zod found, as paths and kinds only: execution data never goes in a message. */
export function describeIssues(error: z.ZodError, limit = 3): string {
  return error.issues
    .slice(0, limit)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}
