/**
 * Sentry events and envelopes rebuilt from an allow-list (issue #8 §2): the output holds only
 * the fields below, each through a rule that fits what it may contain — ids by shape, enums
 * and identifiers only when made of known words (`keepIfKnown`), free text through
 * `scrubText`. Any other field, at any depth, is not copied: `server_name`, `modules`,
 * `threads`, `mechanism.data`, frame variables and source lines, request bodies, headers and
 * query strings, contexts we do not know, envelope-header and item-header extras. Pure, and
 * shared by the server (`telemetry/scrub.ts`, the tunnel) and the browser bundle.
 *
 * Field names follow Sentry's event payload documentation
 * (develop.sentry.dev/sdk/foundations/transport/event-payloads/, read 2026-11-30).
 */
import {
  FILTERED,
  isKnownKey,
  keepIfKnown,
  scrubAttributes,
  scrubText,
  scrubValue,
  withoutQuery,
} from './scrub.ts';

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const HEX_ID = /^[0-9a-f]{16,32}$/i;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/**
 * A user id: a UUID, a number, or letters-digits-dashes with at least one digit (`u_1`,
 * `cus_9f3a`). A word alone (`jane`) or anything with a space, `@` or `.` is not an id.
 */
const USER_ID = /^(?=[\w-]*\d)[\w-]{1,64}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T[\d:.]{2,18}(?:Z|[+-]\d{2}:?\d{2})?$/;
const LEVELS = new Set(['fatal', 'error', 'warning', 'log', 'info', 'debug']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT']);
const MAX_LIST = 100;
/** Sentry keeps at most 250 frames per stack trace; an attacker could send millions. */
const MAX_FRAMES = 250;

const hexId = (v: unknown): string | undefined =>
  typeof v === 'string' && HEX_ID.test(v) ? v : undefined;
const uuidOrHex = (v: unknown): string | undefined =>
  typeof v === 'string' && (UUID.test(v) || HEX_ID.test(v)) ? v : undefined;
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const time = (v: unknown): number | string | undefined =>
  num(v) ?? (typeof v === 'string' && ISO_TIME.test(v) ? v : undefined);
const known = (v: unknown): string | undefined =>
  typeof v === 'string' ? keepIfKnown(v) : undefined;
const text = (v: unknown): string | undefined => (typeof v === 'string' ? scrubText(v) : undefined);
const level = (v: unknown): string | undefined =>
  typeof v === 'string' && LEVELS.has(v) ? v : undefined;

/** An object with only the defined values (so absent fields stay absent). */
function pick(fields: Json): Json | undefined {
  const out: Json = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return Object.keys(out).length > 0 ? out : undefined;
}

function list<T>(v: unknown, each: (item: unknown) => T | undefined, max = MAX_LIST): T[] {
  if (!Array.isArray(v)) return [];
  const out: T[] = [];
  for (const item of v.slice(0, max)) {
    const clean = each(item);
    if (clean !== undefined) out.push(clean);
  }
  return out;
}

function frame(v: unknown): Json | undefined {
  if (!isRecord(v)) return undefined;
  // No vars, context_line, pre/post_context: local values and source lines carry data.
  return pick({
    filename: text(v.filename),
    abs_path: text(v.abs_path),
    function: known(v.function),
    module: known(v.module),
    lineno: num(v.lineno),
    colno: num(v.colno),
    in_app: bool(v.in_app),
    platform: known(v.platform),
  });
}

function stacktrace(v: unknown): Json | undefined {
  if (!isRecord(v)) return undefined;
  const frames = Array.isArray(v.frames) ? v.frames.slice(-MAX_FRAMES) : [];
  return pick({ frames: list(frames, frame, MAX_FRAMES) });
}

function exception(v: unknown): Json | undefined {
  if (!isRecord(v)) return undefined;
  const mechanism = isRecord(v.mechanism)
    ? pick({
        type: known(v.mechanism.type),
        handled: bool(v.mechanism.handled),
        synthetic: bool(v.mechanism.synthetic),
        is_exception_group: bool(v.mechanism.is_exception_group),
        exception_id: num(v.mechanism.exception_id),
        parent_id: num(v.mechanism.parent_id),
        source: known(v.mechanism.source),
      })
    : undefined;
  return pick({
    type: known(v.type),
    value: text(v.value),
    module: known(v.module),
    mechanism,
    stacktrace: stacktrace(v.stacktrace),
  });
}

/** For `beforeBreadcrumb` (and event breadcrumbs): what happened, never the data it carried. */
export function scrubBreadcrumb<B extends object>(input: B): B {
  const b = input as Json;
  const data = isRecord(b.data)
    ? pick({
        method:
          typeof b.data.method === 'string' && METHODS.has(b.data.method)
            ? b.data.method
            : undefined,
        status_code: num(b.data.status_code),
        // Without its query, as for requests below: a query holds values, not the endpoint.
        url: typeof b.data.url === 'string' ? scrubText(withoutQuery(b.data.url)) : undefined,
      })
    : undefined;
  return (pick({
    timestamp: time(b.timestamp),
    type: known(b.type),
    category: known(b.category),
    level: level(b.level),
    message: text(b.message),
    data,
  }) ?? {}) as B;
}

/** Machine contexts: what runtime, browser or OS, by name and version only. */
const NAMED_CONTEXTS = ['os', 'browser', 'runtime', 'device', 'app', 'culture', 'cloud_resource'];

function contexts(v: unknown): Json | undefined {
  if (!isRecord(v)) return undefined;
  const out: Json = {};
  if (isRecord(v.trace)) {
    out.trace = pick({
      trace_id: hexId(v.trace.trace_id),
      span_id: hexId(v.trace.span_id),
      parent_span_id: hexId(v.trace.parent_span_id),
      op: known(v.trace.op),
      status: known(v.trace.status),
      origin: known(v.trace.origin),
    });
  }
  for (const name of NAMED_CONTEXTS) {
    const c = v[name];
    if (!isRecord(c)) continue;
    out[name] = pick({
      name: known(c.name),
      version: known(c.version),
      family: known(c.family),
      type: known(c.type),
    });
  }
  if (isRecord(v.response)) out.response = pick({ status_code: num(v.response.status_code) });
  return pick(out);
}

function message(v: unknown): unknown {
  if (typeof v === 'string') return scrubText(v);
  if (isRecord(v)) return pick({ formatted: text(v.formatted), message: text(v.message) });
  return undefined;
}

function tags(v: unknown): Json | undefined {
  if (!isRecord(v)) return undefined;
  const flat: Json = {};
  for (const [key, value] of Object.entries(v)) {
    if (['string', 'number', 'boolean'].includes(typeof value)) flat[key] = value;
  }
  return pick(scrubAttributes(flat));
}

function span(v: unknown): Json | undefined {
  if (!isRecord(v)) return undefined;
  return pick({
    span_id: hexId(v.span_id),
    trace_id: hexId(v.trace_id),
    parent_span_id: hexId(v.parent_span_id),
    op: known(v.op),
    description: text(v.description),
    status: known(v.status),
    origin: known(v.origin),
    start_timestamp: time(v.start_timestamp),
    timestamp: time(v.timestamp),
    data: isRecord(v.data) ? pick(scrubAttributes(v.data)) : undefined,
    tags: tags(v.tags),
  });
}

function measurements(v: unknown): Json | undefined {
  if (!isRecord(v)) return undefined;
  const out: Json = {};
  for (const [key, m] of Object.entries(v).slice(0, MAX_LIST)) {
    if (!isKnownKey(key) || !isRecord(m) || num(m.value) === undefined) continue;
    out[key] = pick({ value: m.value, unit: known(m.unit) });
  }
  return pick(out);
}

function request(v: unknown): Json | undefined {
  if (!isRecord(v)) return undefined;
  // The URL without its query; no headers, cookies, body or env.
  const url = typeof v.url === 'string' ? scrubText(withoutQuery(v.url)) : undefined;
  return pick({
    method: typeof v.method === 'string' && METHODS.has(v.method) ? v.method : undefined,
    url,
  });
}

function fingerprint(v: unknown): string[] | undefined {
  const parts = list(v, (part) => (typeof part === 'string' ? scrubText(part) : undefined));
  return parts.length > 0 ? parts : undefined;
}

/**
 * Rebuilds a Sentry error or transaction event from the allow-list; returns the new event
 * (for `beforeSend`, the tunnel and the browser SDK). The input is not modified.
 */
export function scrubEvent<E extends object>(input: E): E {
  const e = input as Json;
  const user = isRecord(e.user)
    ? pick({
        // Ids only: how an operator finds the account. Anything not shaped like one is dropped.
        id:
          (typeof e.user.id === 'string' && USER_ID.test(e.user.id)) || num(e.user.id) !== undefined
            ? e.user.id
            : undefined,
      })
    : undefined;
  const breadcrumbs = Array.isArray(e.breadcrumbs)
    ? e.breadcrumbs
    : isRecord(e.breadcrumbs)
      ? e.breadcrumbs.values
      : undefined;
  const exceptionValues = isRecord(e.exception) ? e.exception.values : undefined;
  return (pick({
    event_id: hexId(e.event_id),
    type: e.type === 'transaction' || e.type === 'feedback' ? e.type : undefined,
    timestamp: time(e.timestamp),
    start_timestamp: time(e.start_timestamp),
    level: level(e.level),
    platform: known(e.platform),
    logger: known(e.logger),
    release: known(e.release),
    dist: known(e.dist),
    environment: known(e.environment),
    message: message(e.message),
    logentry: isRecord(e.logentry)
      ? pick({ message: text(e.logentry.message), formatted: text(e.logentry.formatted) })
      : undefined,
    transaction: text(e.transaction),
    transaction_info: isRecord(e.transaction_info)
      ? pick({ source: known(e.transaction_info.source) })
      : undefined,
    culprit: text(e.culprit),
    fingerprint: fingerprint(e.fingerprint),
    exception:
      exceptionValues !== undefined
        ? pick({ values: list(exceptionValues, exception) })
        : undefined,
    stacktrace: stacktrace(e.stacktrace),
    breadcrumbs:
      breadcrumbs !== undefined
        ? list(breadcrumbs, (b) => (isRecord(b) ? scrubBreadcrumb(b) : undefined))
        : undefined,
    tags: tags(e.tags),
    extra: isRecord(e.extra) ? pick(scrubValue(e.extra) as Json) : undefined,
    contexts: contexts(e.contexts),
    user,
    request: request(e.request),
    sdk: isRecord(e.sdk)
      ? pick({ name: known(e.sdk.name), version: known(e.sdk.version) })
      : undefined,
    spans: Array.isArray(e.spans) ? list(e.spans, span, 1_000) : undefined,
    measurements: measurements(e.measurements),
  }) ?? {}) as E;
}

/** A session update (`session` item): ids by shape, counters, status. */
function session(v: unknown): Json | undefined {
  if (!isRecord(v)) return undefined;
  const attrs = isRecord(v.attrs)
    ? pick({ release: known(v.attrs.release), environment: known(v.attrs.environment) })
    : undefined;
  return pick({
    sid: uuidOrHex(v.sid),
    did: typeof v.did === 'string' && USER_ID.test(v.did) ? v.did : undefined,
    init: bool(v.init),
    started: time(v.started),
    timestamp: time(v.timestamp),
    status: known(v.status),
    errors: num(v.errors),
    duration: num(v.duration),
    seq: num(v.seq),
    abnormal_mechanism: known(v.abnormal_mechanism),
    attrs,
  });
}

/** Session aggregates (`sessions` item). */
function sessions(v: unknown): Json | undefined {
  if (!isRecord(v)) return undefined;
  const attrs = isRecord(v.attrs)
    ? pick({ release: known(v.attrs.release), environment: known(v.attrs.environment) })
    : undefined;
  const aggregates = list(v.aggregates, (a) =>
    isRecord(a)
      ? pick({
          started: time(a.started),
          exited: num(a.exited),
          errored: num(a.errored),
          abnormal: num(a.abnormal),
          crashed: num(a.crashed),
        })
      : undefined,
  );
  return pick({ aggregates, attrs });
}

/** The SDK's report of what it dropped (`client_report` item). */
function clientReport(v: unknown): Json | undefined {
  if (!isRecord(v)) return undefined;
  const discarded = list(v.discarded_events, (d) =>
    isRecord(d)
      ? pick({ reason: known(d.reason), category: known(d.category), quantity: num(d.quantity) })
      : undefined,
  );
  return pick({ timestamp: time(v.timestamp), discarded_events: discarded });
}

/**
 * Item types forwarded, each with its rule. Any other type is dropped: attachments and replays
 * (opaque bytes, DOM snapshots), profiles, feedback (a user's own words, name and email),
 * logs, check-ins and item types Sentry adds later until someone writes their rule here.
 */
const ITEM_RULES: Record<string, (payload: unknown) => Json | undefined> = {
  event: (p) => (isRecord(p) ? scrubEvent(p) : undefined),
  transaction: (p) => (isRecord(p) ? scrubEvent(p) : undefined),
  session,
  sessions,
  client_report: clientReport,
};

export type EnvelopeItemIn = [Json, unknown];
export type EnvelopeItemOut = [Json, string];

/**
 * An envelope header from the allow-list: `event_id`, `sent_at`, `sdk` name and version, the
 * dynamic sampling context (`trace`) by field, and the DSN the caller resolved (`dsn`), never
 * the one the client wrote.
 */
export function scrubEnvelopeHeader(header: Json, dsn: string | undefined): Json {
  const trace = isRecord(header.trace)
    ? pick({
        trace_id: hexId(header.trace.trace_id),
        public_key: hexId(header.trace.public_key) ?? known(header.trace.public_key),
        release: known(header.trace.release),
        environment: known(header.trace.environment),
        transaction: text(header.trace.transaction),
        sample_rate: known(header.trace.sample_rate),
        sample_rand: known(header.trace.sample_rand),
        sampled:
          header.trace.sampled === 'true' || header.trace.sampled === 'false'
            ? header.trace.sampled
            : undefined,
        replay_id: hexId(header.trace.replay_id),
      })
    : undefined;
  return (
    pick({
      event_id: hexId(header.event_id),
      sent_at: time(header.sent_at),
      dsn,
      sdk: isRecord(header.sdk)
        ? pick({ name: known(header.sdk.name), version: known(header.sdk.version) })
        : undefined,
      trace,
    }) ?? {}
  );
}

/**
 * Each item through its rule (unknown types dropped), serialized, with an item header of only
 * `type` and the recomputed `length`.
 */
export function scrubEnvelopeItems(items: EnvelopeItemIn[]): EnvelopeItemOut[] {
  const out: EnvelopeItemOut[] = [];
  for (const [itemHeader, payload] of items) {
    const type = typeof itemHeader.type === 'string' ? itemHeader.type : '';
    const rule = Object.hasOwn(ITEM_RULES, type) ? ITEM_RULES[type] : undefined;
    const clean = rule?.(payload);
    if (clean === undefined) continue;
    const body = JSON.stringify(clean);
    out.push([{ type, length: new TextEncoder().encode(body).byteLength }, body]);
  }
  return out;
}

export { FILTERED };
