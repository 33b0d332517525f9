/**
 * Better Stack Uptime API attributes as the API documents them (field lists and defaults from
 * betterstack.com/docs/uptime/api — "List all existing monitors", "List all existing
 * heartbeats", status pages — and the official Terraform provider's schema,
 * BetterStackHQ/terraform-provider-better-uptime `internal/provider/resource_*.go`; read
 * 2026-11-30, see docs/betterstack-uptime-api.md). Pure validation: the stand-in answers 422
 * `{errors: {field: [messages]}}` with every problem at once, as the API does.
 */

export const MONITOR_TYPES = [
  'status',
  'expected_status_code',
  'keyword',
  'keyword_absence',
  'ping',
  'tcp',
  'udp',
  'smtp',
  'pop',
  'imap',
  'dns',
  'playwright',
] as const;

/** Server and port monitors take `request_timeout` in milliseconds; the others in seconds. */
const MILLISECOND_TYPES = new Set(['ping', 'tcp', 'udp', 'smtp', 'pop', 'imap', 'dns']);
export const REQUEST_TIMEOUTS = {
  milliseconds: [500, 1000, 2000, 3000, 5000],
  playwright: [15, 30, 45, 60],
  seconds: [2, 3, 5, 10, 15, 30, 45, 60],
} as const;

export function allowedRequestTimeouts(monitorType: string): readonly number[] {
  if (MILLISECOND_TYPES.has(monitorType)) return REQUEST_TIMEOUTS.milliseconds;
  if (monitorType === 'playwright') return REQUEST_TIMEOUTS.playwright;
  return REQUEST_TIMEOUTS.seconds;
}

export const REGIONS = ['us', 'eu', 'as', 'au'] as const;

/**
 * `id`: an integer (a numeric string is coerced, as the API does), answered as an integer;
 * `group-id`: the same input, answered as a string, as the docs' examples show group ids.
 */
type Kind =
  'string' | 'integer' | 'boolean' | 'string[]' | 'integer[]' | 'object[]' | 'id' | 'group-id';

/** Writable monitor fields and their JSON types (`id`: an integer, or a numeric string). */
export const MONITOR_FIELDS: Record<string, Kind> = {
  url: 'string',
  pronounceable_name: 'string',
  monitor_type: 'string',
  monitor_group_id: 'group-id',
  policy_id: 'id',
  expiration_policy_id: 'id',
  required_keyword: 'string',
  expected_status_codes: 'integer[]',
  verify_ssl: 'boolean',
  follow_redirects: 'boolean',
  remember_cookies: 'boolean',
  check_frequency: 'integer',
  call: 'boolean',
  sms: 'boolean',
  email: 'boolean',
  push: 'boolean',
  critical_alert: 'boolean',
  team_wait: 'integer',
  http_method: 'string',
  request_timeout: 'integer',
  recovery_period: 'integer',
  confirmation_period: 'integer',
  request_headers: 'object[]',
  request_body: 'string',
  ssl_expiration: 'integer',
  domain_expiration: 'integer',
  regions: 'string[]',
  port: 'string',
  paused: 'boolean',
  maintenance_from: 'string',
  maintenance_to: 'string',
  maintenance_timezone: 'string',
  maintenance_days: 'string[]',
  ip_version: 'string',
};

export const HEARTBEAT_FIELDS: Record<string, Kind> = {
  name: 'string',
  period: 'integer',
  grace: 'integer',
  call: 'boolean',
  sms: 'boolean',
  email: 'boolean',
  push: 'boolean',
  critical_alert: 'boolean',
  team_wait: 'integer',
  heartbeat_group_id: 'group-id',
  policy_id: 'id',
  sort_index: 'integer',
  paused: 'boolean',
  maintenance_from: 'string',
  maintenance_to: 'string',
  maintenance_timezone: 'string',
  maintenance_days: 'string[]',
};

export const STATUS_PAGE_FIELDS: Record<string, Kind> = {
  company_name: 'string',
  company_url: 'string',
  contact_url: 'string',
  logo_url: 'string',
  timezone: 'string',
  subdomain: 'string',
  custom_domain: 'string',
  custom_css: 'string',
  google_analytics_id: 'string',
  min_incident_length: 'integer',
  announcement: 'string',
  announcement_embed_visible: 'boolean',
  password_enabled: 'boolean',
  history: 'integer',
  subscribable: 'boolean',
  hide_from_search_engines: 'boolean',
  layout: 'string',
  theme: 'string',
  design: 'string',
};

export const STATUS_PAGE_RESOURCE_FIELDS: Record<string, Kind> = {
  resource_id: 'id',
  resource_type: 'string',
  public_name: 'string',
  explanation: 'string',
  widget_type: 'string',
  position: 'integer',
  status_page_section_id: 'id',
};

export const POLICY_FIELDS: Record<string, Kind> = {
  name: 'string',
  repeat_count: 'integer',
  repeat_delay: 'integer',
  incident_token: 'string',
  policy_group_id: 'id',
  team_name: 'string',
  steps: 'object[]',
};

/**
 * Outgoing webhooks (`/api/v2/outgoing-webhooks`; the Terraform provider's
 * `betteruptime_outgoing_webhook`): `trigger_type` fixed at creation, incident event flags.
 */
export const OUTGOING_WEBHOOK_FIELDS: Record<string, Kind> = {
  name: 'string',
  url: 'string',
  trigger_type: 'string',
  on_incident_started: 'boolean',
  on_incident_acknowledged: 'boolean',
  on_incident_resolved: 'boolean',
  on_incident_reopened: 'boolean',
  on_incident_comment: 'boolean',
  notify_alongside_primary_responder: 'boolean',
  team_name: 'string',
};
export const OUTGOING_WEBHOOK_TRIGGERS = ['incident_change', 'on_call_change', 'monitor_change'];

export type Errors = Record<string, string[]>;

/**
 * Keeps the known fields of `body` with their JSON types checked (ids coerced to integers,
 * `null` allowed for optional ids), and reports the rest. Unknown fields are ignored, as the
 * API ignores them.
 */
export function pickFields(
  body: unknown,
  fields: Record<string, Kind>,
): { values: Record<string, unknown>; errors: Errors } {
  const values: Record<string, unknown> = {};
  const errors: Errors = {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { values, errors: { base: ['The request body must be a JSON object'] } };
  }
  for (const [key, value] of Object.entries(body)) {
    const kind = fields[key];
    if (kind === undefined) continue;
    const checked = check(kind, value);
    if (checked.ok) values[key] = checked.value;
    else (errors[key] ??= []).push(checked.message);
  }
  return { values, errors };
}

function check(
  kind: Kind,
  value: unknown,
): { ok: true; value: unknown } | { ok: false; message: string } {
  switch (kind) {
    case 'group-id': {
      const id = check('id', value);
      return id.ok && id.value !== null ? { ok: true, value: String(id.value) } : id;
    }
    case 'id':
      if (value === null) return { ok: true, value: null };
      if (typeof value === 'number' && Number.isInteger(value)) return { ok: true, value };
      if (typeof value === 'string' && /^\d+$/.test(value))
        return { ok: true, value: Number(value) };
      return { ok: false, message: 'must be an integer' };
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
        ? { ok: true, value }
        : { ok: false, message: 'must be an integer' };
    case 'boolean':
      return typeof value === 'boolean'
        ? { ok: true, value }
        : { ok: false, message: 'must be a boolean' };
    case 'string':
      return typeof value === 'string' || value === null
        ? { ok: true, value }
        : { ok: false, message: 'must be a string' };
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? { ok: true, value }
        : { ok: false, message: 'must be an array of strings' };
    case 'integer[]':
      return Array.isArray(value) && value.every((v) => Number.isInteger(v))
        ? { ok: true, value }
        : { ok: false, message: 'must be an array of integers' };
    case 'object[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null)
        ? { ok: true, value }
        : { ok: false, message: 'must be an array of objects' };
  }
}

/** Monitor rules beyond types: URL, type, frequency, regions, request_timeout per type. */
export function monitorProblems(m: Record<string, unknown>): Errors {
  const errors: Errors = {};
  const add = (k: string, message: string) => (errors[k] ??= []).push(message);
  const type = String(m.monitor_type ?? '');
  if (!(MONITOR_TYPES as readonly string[]).includes(type)) {
    add('monitor_type', `must be one of ${MONITOR_TYPES.join(', ')}`);
  }
  const url = String(m.url ?? '');
  const httpLike = !MILLISECOND_TYPES.has(type) && type !== 'playwright';
  if (url === '') add('url', "can't be blank");
  else if (httpLike && !/^https?:\/\/[^\s]+$/.test(url)) add('url', 'is not a valid URL');
  if (typeof m.check_frequency === 'number' && m.check_frequency < 30) {
    add('check_frequency', 'must be greater than or equal to 30');
  }
  if (
    typeof m.request_timeout === 'number' &&
    !allowedRequestTimeouts(type).includes(m.request_timeout)
  ) {
    const unit = MILLISECOND_TYPES.has(type) ? 'milliseconds' : 'seconds';
    add(
      'request_timeout',
      `must be one of ${allowedRequestTimeouts(type).join(', ')} (${unit} for ${type} monitors)`,
    );
  }
  if (
    Array.isArray(m.regions) &&
    m.regions.some((r) => !(REGIONS as readonly string[]).includes(String(r)))
  ) {
    add('regions', `must be a subset of ${REGIONS.join(', ')}`);
  }
  if ((type === 'keyword' || type === 'keyword_absence' || type === 'udp') && !m.required_keyword) {
    add('required_keyword', `can't be blank for ${type} monitors`);
  }
  if (['tcp', 'udp', 'smtp', 'pop', 'imap'].includes(type) && !m.port) {
    add('port', `can't be blank for ${type} monitors`);
  }
  return errors;
}
