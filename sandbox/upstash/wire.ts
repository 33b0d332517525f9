/**
 * Upstash REST wire format: parsing request bodies into Redis commands and turning Redis
 * replies into the JSON Upstash returns. Follows upstash/docs `redis/features/restapi.mdx`
 * ("POST Command in Body", "Response", "Base64 Encoded Responses", "Pipelining",
 * "Transactions") and what `@upstash/redis` (pkg/http.ts) sends and decodes.
 */

export type Arg = string | number;
export type RedisCommand = readonly [name: string, ...args: Arg[]];

/** A request the bridge refuses with HTTP 400 and `{"error": message}`; nothing was executed. */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/**
 * Commands that change the state of the shared connection (database, transaction,
 * subscription, protocol) and would leak into other callers' commands. Upstash's REST API
 * has no sessions either; MULTI/EXEC is what `/multi-exec` is for.
 */
const CONNECTION_STATE = new Set([
  'AUTH',
  'CLIENT',
  'DISCARD',
  'EXEC',
  'HELLO',
  'MONITOR',
  'MULTI',
  'PSUBSCRIBE',
  'PUNSUBSCRIBE',
  'QUIT',
  'RESET',
  'SELECT',
  'SSUBSCRIBE',
  'SUBSCRIBE',
  'SUNSUBSCRIBE',
  'UNSUBSCRIBE',
  'UNWATCH',
  'WATCH',
]);

const BLOCKING = new Set([
  'BLMOVE',
  'BLMPOP',
  'BLPOP',
  'BRPOP',
  'BRPOPLPUSH',
  'BZMPOP',
  'BZPOPMAX',
  'BZPOPMIN',
  'WAIT',
  'WAITAOF',
]);

/** True when the command may block its connection (it then gets a connection of its own). */
export function isBlocking(command: RedisCommand): boolean {
  const [name, ...args] = command;
  if (BLOCKING.has(name)) return true;
  return (
    (name === 'XREAD' || name === 'XREADGROUP') &&
    args.some((a) => typeof a === 'string' && a.toUpperCase() === 'BLOCK')
  );
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WireError('ERR failed to parse request body: expected a JSON array');
  }
}

/**
 * One command: a non-empty JSON array whose first element is the command name and whose
 * arguments are strings, finite numbers or booleans (sent to Redis as their text). The name is upper-cased: Redis does not care, and it keeps ioredis from applying its
 * own reply transformers (which are keyed by lower-case names), so replies stay raw.
 */
export function parseCommand(value: unknown): RedisCommand {
  if (!Array.isArray(value) || value.length === 0) {
    throw new WireError('ERR failed to parse command: expected a non-empty JSON array');
  }
  const [name, ...rest] = value as unknown[];
  if (typeof name !== 'string' || name.trim() === '') {
    throw new WireError('ERR failed to parse command: the first element must be the command name');
  }
  const args = rest.map((arg, i) => {
    if (typeof arg === 'string') return arg;
    if (typeof arg === 'number' && Number.isFinite(arg)) return arg;
    // The official client passes booleans through unserialised (`set(k, true)`).
    if (typeof arg === 'boolean') return String(arg);
    throw new WireError(
      `ERR failed to parse command: argument ${i + 1} must be a string, number or boolean`,
    );
  });
  const upper = name.toUpperCase();
  if (CONNECTION_STATE.has(upper)) {
    throw new WireError(`ERR command '${name}' is not supported over REST`);
  }
  return [upper, ...args];
}

/**
 * A path-style command (restapi.mdx "API Semantics", "JSON or Binary Value"): the path's
 * segments are the command and its arguments (`/set/foo/bar/EX/100`); a non-empty request body
 * is appended as the last of them, and the query parameters after it (`/set/foo?EX=100`), bar
 * the `_token` used for authentication.
 */
export function pathCommand(url: URL, body: string): RedisCommand {
  const segments = url.pathname.split('/').slice(1);
  if (segments.at(-1) === '') segments.pop();
  let parts: unknown[];
  try {
    parts = segments.map((s) => decodeURIComponent(s));
  } catch {
    throw new WireError('ERR failed to parse command: the path is not valid percent-encoding');
  }
  if (body !== '') parts.push(body);
  for (const [key, value] of url.searchParams) {
    if (key === '_token') continue;
    parts.push(key);
    if (value !== '') parts.push(value);
  }
  return parseCommand(parts);
}

/** `/pipeline` and `/multi-exec`: a non-empty 2-D array; one bad row refuses the whole request. */
export function parseCommands(value: unknown): RedisCommand[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new WireError(
      'ERR failed to parse pipeline request: expected a non-empty JSON array of commands',
    );
  }
  return (value as unknown[]).map(parseCommand);
}

const OK = Buffer.from('OK');

/**
 * A Redis reply as ioredis hands it over with `callBuffer` and `stringNumbers`: bulk and
 * status strings are Buffers, integers are decimal strings, nil is null, arrays nest.
 */
export function encodeReply(reply: unknown, base64: boolean): unknown {
  return encode(reply, base64, true);
}

function encode(value: unknown, base64: boolean, top: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) {
    if (!base64) return value.toString('utf8');
    // The docs exempt the "OK" response. Inside arrays the official client base64-decodes
    // every string, so an unencoded "OK" there would come back as "8": encode it.
    if (top && value.equals(OK)) return 'OK';
    return value.toString('base64');
  }
  if (typeof value === 'string') return integer(value);
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map((v) => encode(v, base64, false));
  // An error reply nested in an array (e.g. a Lua table holding redis.error_reply).
  if (value instanceof Error) return encode(Buffer.from(value.message), base64, false);
  return encode(Buffer.from(String(value)), base64, top);
}

/** Integers beyond 2^53 are written as exact JSON numbers, as Redis sent them. */
function integer(text: string): unknown {
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  return (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(text);
}
