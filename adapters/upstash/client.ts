/**
 * The app's Redis: Upstash over REST, through the official `@upstash/redis` client. Locally and
 * in tests the same client is pointed, by URL, at the bridge in `sandbox/upstash/`.
 */
import { Redis } from '@upstash/redis';

export interface UpstashRedisOptions {
  /** `UPSTASH_REDIS_REST_URL`. */
  url: string;
  /** `UPSTASH_REDIS_REST_TOKEN`. */
  token: string;
  /**
   * Retries on network failures only (HTTP errors throw at once). The client's default is 5
   * with exp(n)·50 ms backoff, about 4 s in all; a scheduled collector may want fewer.
   */
  retries?: number;
  /**
   * The client's auto-pipelining (on by default) batches commands issued in the same tick
   * into one `/pipeline` request. Failures then read "Command failed: ERR …".
   */
  autoPipelining?: boolean;
}

/**
 * Values come back exactly as stored, as strings (or null, numbers for integer replies,
 * arrays). `automaticDeserialization` is off on purpose: with it on, the client runs
 * JSON.parse on every reply, so a stored "123" or "true" comes back as a number or boolean and
 * a string that merely looks like JSON comes back as an object. The app stores JSON in some
 * keys and plain ids in others, and erasure and seed code must read raw strings reliably, so
 * callers JSON.stringify on write and JSON.parse on read where the key holds JSON.
 *
 * Beware: the client's error messages quote the whole command, keys and values included
 * ("…, command was: [[\"set\",…]]"). Never log or report them verbatim; map them to an
 * error code and ids first.
 */
export function createRedis(options: UpstashRedisOptions): Redis {
  return new Redis({
    url: options.url,
    token: options.token,
    automaticDeserialization: false,
    // Runtime and platform headers are of no use to us; send nothing we do not need.
    enableTelemetry: false,
    enableAutoPipelining: options.autoPipelining ?? true,
    ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
  });
}

/** The same factory under the name the stack launcher uses. */

export type { Redis as UpstashRedis } from '@upstash/redis';

/**
 * With `automaticDeserialization` off the client hands back HGETALL's raw reply, a flat
 * `[field, value, …]` array, whatever its typings say. This turns it into a record
 * (null when the hash does not exist, as the client does with deserialisation on).
 */
export function hashFromReply(reply: unknown): Record<string, string> | null {
  if (reply === null) return null;
  if (!Array.isArray(reply)) {
    if (typeof reply === 'object') return reply as Record<string, string>;
    throw new TypeError('expected an HGETALL reply');
  }
  if (reply.length === 0) return null;
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < reply.length; i += 2)
    pairs.push([String(reply[i]), String(reply[i + 1])]);
  // fromEntries defines own properties, so a field named "__proto__" stays a field.
  return Object.fromEntries(pairs);
}
