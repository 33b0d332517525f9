/**
 * Vigie's own attribute and metric names (`vigie.*`, `n8n.*`), in one place. Standard names come
 * from `@opentelemetry/semantic-conventions` itself (stable ones from the package root,
 * incubating ones such as `faas.*` from its `/incubating` entry point), never copied here.
 *
 * Values are ids, routes, codes and counts only — never personal data (`core/scrub.ts` backs
 * this up). A key whose last segment is a person-ish word (`name`, `email`…) is filtered by the
 * scrubber, hence `n8n.workflow_name` rather than `n8n.workflow.name`.
 */

// Vigie.
export const ATTR_REQUEST_ID = 'vigie.request_id';
export const ATTR_HANDLER = 'vigie.handler';
export const ATTR_ERROR_CODE = 'vigie.error_code';
export const ATTR_HEARTBEAT_OUTCOME = 'vigie.heartbeat.outcome';

// n8n (Error Trigger hook).
export const ATTR_N8N_WORKFLOW_ID = 'n8n.workflow_id';
export const ATTR_N8N_WORKFLOW_NAME = 'n8n.workflow_name';
export const ATTR_N8N_EXECUTION_ID = 'n8n.execution_id';
export const ATTR_N8N_EXECUTION_MODE = 'n8n.execution_mode';
export const ATTR_N8N_LAST_NODE = 'n8n.last_node';

// Metric names (declared in core/catalog/metrics.ts).
export const METRIC_N8N_WORKFLOW_ERRORS = 'vigie.n8n.workflow_errors';
export const METRIC_INVOCATIONS = 'vigie.invocations';
