/**
 * Personal-data scrubbing, pure (DESIGN.md principle 5). Everything that leaves the process
 * towards Sentry, OTLP or Slack passes through here: `telemetry/scrub.ts` wires it into the
 * Sentry hooks and the span exporter, `web/sentry-browser.ts` into the browser SDK, the alert
 * dispatcher into Slack text. It lives in `core/` because the browser bundle (web/) may only
 * import `core/`.
 *
 * Two rules: free text is rewritten pattern by pattern (emails, phone numbers, LinkedIn URLs);
 * values under keys that name personal data, message bodies or credentials are replaced whole.
 */

export const FILTERED = '[Filtered]';

/*
 * Every pattern runs in time linear in its input (issue #8: the earlier ones backtracked
 * quadratically, 7 s on 64 KB). A negative lookbehind lets a match start only where a run of
 * its leading characters starts, so a failing run is tried once, not once per character; the
 * groups inside are separated by characters they cannot share (`.` is not in `[\w-]`), so
 * each try is linear in the run. `core/scrub.test.ts` feeds them adversarial inputs of growing
 * size and fails when time grows faster than the input.
 */
const EMAIL_LOCAL = '[A-Za-z0-9._%+-]';
const EMAIL_DOMAIN = String.raw`[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`;
const EMAIL = new RegExp(`(?<!${EMAIL_LOCAL})${EMAIL_LOCAL}+@${EMAIL_DOMAIN}`, 'g');
// Percent-encoded emails (query strings, URLs in stack traces): `jane%40example.com`.
const EMAIL_ENCODED = new RegExp(`(?<!${EMAIL_LOCAL})${EMAIL_LOCAL}+%40${EMAIL_DOMAIN}`, 'gi');
const LINKEDIN =
  /(?<![\w.-])(?:https?:\/\/)?(?:[\w-]+\.)*(?:linkedin\.com|lnkd\.in)(?:\/[^\s"'<>)\]}]*)?/gi;
/**
 * Phone numbers: international (`+33 6 12 34 56 78`, `+1 (415) 555-0100`), French national
 * (`06 12 34 56 78`, `06.12.34.56.78`) and North-American (`(415) 555-0100`, `415-555-0100`).
 * Deliberately not "any long digit run": ids, timestamps, ports and line numbers must survive.
 * Every quantifier is bounded, so a try costs a constant whatever the input.
 */
const PHONE = new RegExp(
  [
    String.raw`\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){2,5}`,
    String.raw`\b0[1-9](?:[\s.-]?\d{2}){4}\b`,
    String.raw`\(\d{3}\)\s?\d{3}[\s.-]\d{4}\b`,
    String.raw`\b\d{3}[.-]\d{3}[.-]\d{4}\b`,
  ].join('|'),
  'g',
);

/** The patterns, by name, for the linearity test. */
export const PATTERNS: Readonly<Record<string, RegExp>> = {
  email: EMAIL,
  emailEncoded: EMAIL_ENCODED,
  linkedin: LINKEDIN,
  phone: PHONE,
};

/**
 * Longest string scanned: longer text is cut first (and marked), so no string can hold the
 * event loop whatever its size. 8 KiB is more than any error message or URL worth reading.
 */
export const MAX_TEXT_CHARS = 8 * 1024;
export const TRUNCATED_MARK = '…[truncated]';

/** Longest token (an email is at most 254 characters) the cut backs off to whitespace for. */
const TOKEN_BACKOFF = 256;

/**
 * Cuts `s` to `max` characters (marked). The cut backs off to the last whitespace, so half an
 * email (`jane.doe@exam`), which no pattern would recognise, is dropped rather than kept.
 */
export function boundText(s: string, max = MAX_TEXT_CHARS): string {
  if (s.length <= max) return s;
  let end = max;
  const floor = Math.max(0, max - TOKEN_BACKOFF);
  while (end > floor && !isSpace(s.charCodeAt(end - 1))) end--;
  return `${s.slice(0, end)}${TRUNCATED_MARK}`;
}

function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0;
}

/** Rewrites emails, LinkedIn URLs and phone numbers in free text; no length bound (tests). */
export function rewritePatterns(s: string): string {
  return s
    .replace(LINKEDIN, '[linkedin-url]')
    .replace(EMAIL_ENCODED, '[email]')
    .replace(EMAIL, '[email]')
    .replace(PHONE, '[phone]');
}

/** Rewrites emails, LinkedIn URLs and phone numbers in free text, cut to `MAX_TEXT_CHARS` first. */
export function scrubText(s: string): string {
  return rewritePatterns(boundText(s));
}

/**
 * Keys whose values are replaced whole, compared after normalising (`fullName`, `full-name`,
 * `user.full_name` → `full_name`). Person names, contact details, message bodies, credentials.
 */
const SENSITIVE_KEYS = new Set([
  // person names
  'name',
  'full_name',
  'fullname',
  'first_name',
  'firstname',
  'last_name',
  'lastname',
  'given_name',
  'family_name',
  'display_name',
  'username',
  'user_name',
  'prospect_name',
  'contact_name',
  // contact details and profiles
  'email',
  'email_address',
  'emails',
  'phone',
  'phone_number',
  'mobile',
  'linkedin',
  'linkedin_url',
  'profile_url',
  'address',
  'ip',
  'ip_address',
  // message bodies
  'body',
  'message_body',
  'html',
  'text',
  'subject',
  'content',
  'data',
  // credentials and request internals
  'cookie',
  'cookies',
  'set_cookie',
  'authorization',
  'proxy_authorization',
  'password',
  'passwd',
  'secret',
  'token',
  'access_token',
  'refresh_token',
  'api_key',
  'apikey',
  'x_api_key',
  'x_n8n_api_key',
  'x_vigie_hook_secret',
]);

/** `fullName` / `Full-Name` / `http.request.header.cookie` → `full_name` / `full_name` / `cookie`. */
export function normaliseKey(key: string): string {
  const last = key.split('.').pop() ?? key;
  return last
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]/g, '_')
    .toLowerCase();
}

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEYS.has(normaliseKey(key));
}

const MAX_DEPTH = 12;

/**
 * Deep-scrubs any value: strings through `scrubText`, sensitive keys replaced by `[Filtered]`,
 * cycles and very deep structures cut. Returns a new value; the input is not modified.
 */
export function scrubValue(v: unknown): unknown {
  return walk(v, 0, new WeakSet());
}

function walk(v: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof v === 'string') return scrubText(v);
  if (v === null || typeof v !== 'object') return v;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (seen.has(v)) return '[Circular]';
  seen.add(v);
  if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1, seen));
  if (v instanceof Date) return v;
  if (v instanceof Error) return { name: v.name, message: scrubText(v.message) };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(v)) {
    out[key] = isSensitiveKey(key) && value != null ? FILTERED : walk(value, depth + 1, seen);
  }
  return out;
}

/** Scrubs a flat attribute map (OTel span/event attributes, Sentry tags). */
export function scrubAttributes<T>(attributes: Record<string, T>): Record<string, T | string> {
  const out: Record<string, T | string> = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (isSensitiveKey(key)) out[key] = FILTERED;
    else if (typeof value === 'string') out[key] = scrubText(value);
    else if (Array.isArray(value)) {
      out[key] = value.map((item: unknown) =>
        typeof item === 'string' ? scrubText(item) : item,
      ) as T;
    } else out[key] = value;
  }
  return out;
}

/**
 * The structural subset of a Sentry event (error or transaction) that can carry personal data.
 * Declared here, not imported, so that `core/` stays free of SDKs; `scrubEvent` accepts any
 * object and rewrites these fields when present.
 */
interface ScrubbableEvent {
  message?: unknown;
  logentry?: { message?: unknown; params?: unknown[] };
  transaction?: unknown;
  exception?: { values?: ScrubbableException[] };
  breadcrumbs?: ScrubbableBreadcrumb[];
  extra?: Record<string, unknown>;
  contexts?: Record<string, unknown>;
  tags?: Record<string, unknown>;
  user?: Record<string, unknown>;
  request?: Record<string, unknown>;
  spans?: { description?: unknown; data?: Record<string, unknown> }[];
}
interface ScrubbableException {
  value?: unknown;
  stacktrace?: { frames?: ScrubbableFrame[] };
}
interface ScrubbableFrame {
  vars?: Record<string, unknown>;
  context_line?: unknown;
  pre_context?: string[];
  post_context?: string[];
  abs_path?: unknown;
  filename?: unknown;
}
interface ScrubbableBreadcrumb {
  message?: unknown;
  data?: Record<string, unknown>;
}

/** Contexts the SDK fills about the machine, not the user: their `name` fields are kept. */
const SYSTEM_CONTEXTS = new Set([
  'os',
  'runtime',
  'device',
  'app',
  'browser',
  'culture',
  'cloud_resource',
  'trace',
  'otel',
  'response',
]);

/** Headers kept on a Sentry request (everything else, cookies and auth included, is dropped). */
const KEPT_HEADERS = new Set(['user-agent', 'content-type', 'x-request-id', 'accept']);

/** Scrubs a Sentry error or transaction event in place and returns it (for `beforeSend`). */
export function scrubEvent<E extends object>(input: E): E {
  const event = input as ScrubbableEvent;
  if (typeof event.message === 'string') event.message = scrubText(event.message);
  if (event.logentry) {
    if (typeof event.logentry.message === 'string') {
      event.logentry.message = scrubText(event.logentry.message);
    }
    if (event.logentry.params)
      event.logentry.params = scrubValue(event.logentry.params) as unknown[];
  }
  if (typeof event.transaction === 'string') event.transaction = scrubText(event.transaction);
  for (const exception of event.exception?.values ?? []) {
    if (typeof exception.value === 'string') exception.value = scrubText(exception.value);
    for (const frame of exception.stacktrace?.frames ?? []) scrubFrame(frame);
  }
  if (event.breadcrumbs) event.breadcrumbs = event.breadcrumbs.map(scrubBreadcrumb);
  if (event.extra) event.extra = scrubValue(event.extra) as Record<string, unknown>;
  if (event.tags) event.tags = scrubAttributes(event.tags);
  if (event.contexts) {
    const contexts: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(event.contexts)) {
      contexts[key] = SYSTEM_CONTEXTS.has(key) ? scrubStringsOnly(value) : scrubValue(value);
    }
    event.contexts = contexts;
  }
  if (event.user) {
    // Ids only: a user id is how an operator finds the account; nothing else leaves.
    const id = event.user.id;
    event.user = id === undefined ? {} : { id };
  }
  if (event.request) event.request = scrubRequest(event.request);
  if (event.spans) {
    for (const span of event.spans) {
      if (typeof span.description === 'string') span.description = scrubText(span.description);
      if (span.data) span.data = scrubAttributes(span.data);
    }
  }
  return input;
}

/** For `beforeBreadcrumb` (and event breadcrumbs): message rewritten, data deep-scrubbed. */
export function scrubBreadcrumb<B extends object>(breadcrumb: B): B {
  const out: ScrubbableBreadcrumb = { ...breadcrumb };
  if (typeof out.message === 'string') out.message = scrubText(out.message);
  if (out.data) out.data = scrubValue(out.data) as Record<string, unknown>;
  return out as B;
}

function scrubFrame(frame: ScrubbableFrame): void {
  // Local variables can hold anything the code was handling: never send them.
  if (frame.vars) frame.vars = {};
  if (typeof frame.context_line === 'string') frame.context_line = scrubText(frame.context_line);
  if (frame.pre_context) frame.pre_context = frame.pre_context.map(scrubText);
  if (frame.post_context) frame.post_context = frame.post_context.map(scrubText);
  if (typeof frame.abs_path === 'string') frame.abs_path = scrubText(frame.abs_path);
  if (typeof frame.filename === 'string') frame.filename = scrubText(frame.filename);
}

function scrubRequest(request: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof request.method === 'string') out.method = request.method;
  if (typeof request.url === 'string') out.url = scrubText(request.url);
  if (typeof request.query_string === 'string') out.query_string = scrubText(request.query_string);
  const headers = request.headers;
  if (headers !== null && typeof headers === 'object') {
    const kept: Record<string, string> = {};
    for (const [key, value] of Object.entries(headers)) {
      if (KEPT_HEADERS.has(key.toLowerCase()) && typeof value === 'string') {
        kept[key] = scrubText(value);
      }
    }
    out.headers = kept;
  }
  // `data` (the body), `cookies` and `env` are dropped on purpose.
  return out;
}

function scrubStringsOnly(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return scrubText(v);
  if (v === null || typeof v !== 'object' || depth > MAX_DEPTH) return v;
  if (Array.isArray(v)) return v.map((item) => scrubStringsOnly(item, depth + 1));
  return Object.fromEntries(
    Object.entries(v).map(([key, value]) => [key, scrubStringsOnly(value, depth + 1)]),
  );
}
