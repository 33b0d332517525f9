/**
 * Personal-data scrubbing, pure (docs/architecture.md, principle 5). Everything that leaves the process
 * towards Sentry, OTLP or Slack passes through here: `telemetry/scrub.ts` wires it into the
 * Sentry hooks and the span exporter, `web/sentry-browser.ts` into the browser SDK, the alert
 * dispatcher into Slack text. It lives in `core/` because the browser bundle (web/) may only
 * import `core/`.
 *
 * Allow-list, not deny-list (issue #8 §2): free text keeps only words known to be safe
 * (`scrub-vocabulary.ts`, numbers and ids) after emails, phone numbers and LinkedIn URLs are
 * rewritten; every other word, a name above all, becomes `[redacted]`. Keys must be known
 * words too (else the entry is dropped), and keys that name personal data, message bodies or
 * credentials have their value replaced whole. Sentry events are rebuilt field by field from
 * an allow-list in `scrub-event.ts`.
 */
import { VOCABULARY } from './scrub-vocabulary.ts';

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
    // `+` or its percent-encoding `%2B` (a query string quoted in a message).
    String.raw`(?:\+|%2[Bb])\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){2,5}`,
    String.raw`\b0[1-9](?:[\s.-]?\d{2}){4}\b`,
    String.raw`\(\d{3}\)\s?\d{3}[\s.-]\d{4}\b`,
    String.raw`\b\d{3}[.-]\d{3}[.-]\d{4}\b`,
  ].join('|'),
  'g',
);

/**
 * A UUID (8-4-4-4-12 hex) standing alone. UUIDs go out whole: a group made only of letters
 * (`beef` in `…-beef-…`) would otherwise be an unknown word and redacted, or digit groups be
 * read as a phone number (`0612-3456`), and the request id in a trace would no longer match
 * its `x-request-id`. A UUID holds no name. Fixed length, started only where no letter or
 * digit precedes it: linear.
 */
const UUID =
  /(?<![\p{L}\p{M}\p{N}])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\p{L}\p{M}\p{N}])/giu;

/** The patterns, by name, for the linearity test. */
export const PATTERNS: Readonly<Record<string, RegExp>> = {
  email: EMAIL,
  emailEncoded: EMAIL_ENCODED,
  linkedin: LINKEDIN,
  phone: PHONE,
  uuid: UUID,
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

export const REDACTED = '[redacted]';

/**
 * Runs of letters and digits, or an escape (`%20`, `\u0020`, `\x20`) standing alone: an
 * escape's hex digits would otherwise join the next word and make it an id (`Jean%20Dupont`
 * kept `20Dupont`). Fixed-length escapes and one bounded class: the scan stays linear.
 */
const WORD = /%[0-9A-Fa-f]{2}|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}|[\p{L}\p{M}\p{N}]+/gu;
const ESCAPE = /^(?:%|\\)/;
const DIGIT = /\p{N}/u;
/** camelCase and PascalCase humps: `getUserById` → get, User, By, Id; `HTTPError` → HTTP, Error. */
const HUMP = /(?<=[\p{Ll}\p{N}])(?=\p{Lu})|(?<=\p{Lu})(?=\p{Lu}\p{Ll})/u;

/**
 * Whether a word may leave the process: one letter, anything with a digit (ids, hex, versions,
 * counts — a name has none), or every camelCase part a known word.
 */
export function isKnownWord(token: string): boolean {
  if (token.length === 1 || DIGIT.test(token)) return true;
  if (inVocabulary(token)) return true;
  if (token.length > 64) return false;
  const parts = token.split(HUMP);
  return parts.length > 1 && parts.every(inVocabulary);
}

/** A vocabulary word, or its plural (`details`, `retries`). */
function inVocabulary(word: string): boolean {
  const w = word.toLowerCase();
  if (VOCABULARY.has(w)) return true;
  if (w.length < 4 || !w.endsWith('s')) return false;
  return (
    VOCABULARY.has(w.slice(0, -1)) ||
    (w.endsWith('es') && VOCABULARY.has(w.slice(0, -2))) ||
    (w.endsWith('ies') && VOCABULARY.has(`${w.slice(0, -3)}y`))
  );
}

/**
 * Free text made safe to send: cut to `MAX_TEXT_CHARS`, emails / LinkedIn URLs / phone numbers
 * rewritten, then every word that is not known (`isKnownWord`) replaced by `[redacted]`;
 * UUIDs pass whole.
 * Idempotent: its own placeholders are known words.
 */
export function scrubText(s: string): string {
  const bounded = boundText(s);
  // The text between UUIDs is scrubbed; the UUIDs themselves are kept as they are.
  let out = '';
  let last = 0;
  for (const match of bounded.matchAll(UUID)) {
    out += scrubWords(bounded.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + scrubWords(bounded.slice(last));
}

function scrubWords(s: string): string {
  return rewritePatterns(s).replace(WORD, (token) =>
    ESCAPE.test(token) || isKnownWord(token) ? token : REDACTED,
  );
}

/** Whether `s` goes out unchanged, i.e. holds nothing `scrubText` would rewrite. */
export function isKnownText(s: string): boolean {
  return s.length <= MAX_TEXT_CHARS && scrubText(s) === s;
}

/** `s` when it is known text (an identifier, a route, an enum value), else `[Filtered]`. */
export function keepIfKnown(s: string): string {
  return isKnownText(s) ? s : FILTERED;
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

const MAX_DEPTH = 8;
/** Entries kept per object or array: more is never what an error report needs. */
const MAX_ENTRIES = 100;
const MAX_KEY_CHARS = 128;

/** A key may leave the process when it is short and made of known words (`user_id`, `x-request-id`). */
export function isKnownKey(key: string): boolean {
  return key.length <= MAX_KEY_CHARS && isKnownText(key);
}

/**
 * Deep-scrubs any value: strings through `scrubText`, sensitive keys replaced by `[Filtered]`,
 * entries under unknown keys dropped, cycles, very deep and very wide structures cut. Returns
 * a new value; the input is not modified.
 */
export function scrubValue(v: unknown): unknown {
  return walk(v, 0, new WeakSet());
}

function walk(v: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof v === 'string') return scrubText(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean' || v === null) return v;
  if (typeof v !== 'object') return undefined;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (seen.has(v)) return '[Circular]';
  seen.add(v);
  if (Array.isArray(v)) return v.slice(0, MAX_ENTRIES).map((item) => walk(item, depth + 1, seen));
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Error) return { name: keepIfKnown(v.name), message: scrubText(v.message) };
  const out: Record<string, unknown> = {};
  let kept = 0;
  for (const key in v) {
    if (!Object.hasOwn(v, key) || !isKnownKey(key)) continue;
    if (++kept > MAX_ENTRIES) break;
    const value = (v as Record<string, unknown>)[key];
    out[key] = isSensitiveKey(key) && value != null ? FILTERED : walk(value, depth + 1, seen);
  }
  return out;
}

/**
 * Attributes whose values our code sets from known-safe sources and that `scrubText` would
 * mangle: a route template is code (`/prospects/:id`), never a path a client sent.
 */
const ROUTE_TEMPLATE = /^\/[\w/:{}.*-]{0,200}$/;

/** `url` up to its query string or fragment: a query holds values (ids, emails, phones), never routes. */
export function withoutQuery(url: string): string {
  return url.split(/[?#]/, 1)[0] ?? '';
}

/** Attributes holding a whole URL or request target: kept without their query string. */
const URL_KEYS = new Set(['url.full', 'http.url', 'http.target']);
/** Attributes holding only a query string or fragment: never kept. */
const QUERY_KEYS = new Set(['url.query', 'url.fragment']);

/**
 * Scrubs a flat attribute map (OTel span/event attributes, Sentry tags): unknown keys dropped,
 * sensitive keys `[Filtered]`, strings through `scrubText` (`http.route` kept when it is a
 * route template, URLs cut at their query, query attributes dropped), nested objects dropped.
 */
export function scrubAttributes<T>(attributes: Record<string, T>): Record<string, T | string> {
  const out: Record<string, T | string> = {};
  let kept = 0;
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key) || !isKnownKey(key) || QUERY_KEYS.has(key)) continue;
    if (++kept > MAX_ENTRIES) break;
    const value: unknown = attributes[key];
    if (isSensitiveKey(key)) out[key] = FILTERED;
    else if (URL_KEYS.has(key) && typeof value === 'string')
      out[key] = scrubText(withoutQuery(value));
    else if (key === 'http.route' && typeof value === 'string' && ROUTE_TEMPLATE.test(value)) {
      out[key] = value;
    } else if (typeof value === 'string') out[key] = scrubText(value);
    else if (typeof value === 'number' || typeof value === 'boolean') out[key] = value as T;
    else if (Array.isArray(value)) {
      out[key] = value
        .slice(0, MAX_ENTRIES)
        .filter((item: unknown) => ['string', 'number', 'boolean'].includes(typeof item))
        .map((item: unknown) => (typeof item === 'string' ? scrubText(item) : item)) as T;
    }
  }
  return out;
}
