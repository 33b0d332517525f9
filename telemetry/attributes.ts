/**
 * Attribute and metric names Vigie puts on spans, metrics and Sentry tags, in one place (like
 * OpenTelemetry contrib's `semconv.ts`). Standard names follow the OpenTelemetry semantic
 * conventions (stable HTTP set); Vigie's own live under `vigie.*` and `n8n.*`.
 *
 * Values are ids, routes, codes and counts only — never personal data (`core/scrub.ts` backs
 * this up). A key whose last segment is a person-ish word (`name`, `email`…) is filtered by the
 * scrubber, hence `n8n.workflow_name` rather than `n8n.workflow.name`.
 */

// OpenTelemetry semantic conventions (stable).
export const ATTR_SERVICE_NAME = 'service.name';
export const ATTR_SERVICE_VERSION = 'service.version';
export const ATTR_DEPLOYMENT_ENVIRONMENT = 'deployment.environment.name';
export const ATTR_HTTP_REQUEST_METHOD = 'http.request.method';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ATTR_HTTP_ROUTE = 'http.route';
export const ATTR_URL_PATH = 'url.path';
export const ATTR_URL_SCHEME = 'url.scheme';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_FAAS_TRIGGER = 'faas.trigger';
export const ATTR_FAAS_INVOCATION_ID = 'faas.invocation_id';

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
export const METRIC_HTTP_SERVER_DURATION = 'http.server.request.duration';
export const METRIC_N8N_WORKFLOW_ERRORS = 'vigie.n8n.workflow_errors';
export const METRIC_INVOCATIONS = 'vigie.invocations';
