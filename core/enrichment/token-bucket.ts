/**
 * A continuously refilling token bucket, the model Anthropic documents for its rate limits
 * (RPM, input and output tokens per minute: capacity = the per-minute limit, refilled at
 * limit/60 per second; docs/load/provider-limits.md). Pure: the caller passes the time.
 * Used by the Anthropic stand-in (to enforce a tier) and by the gateway's limiter (to mirror it).
 */
export class TokenBucket {
  #level: number;
  #at: number;
  capacity: number;

  constructor(perMinute: number, nowMs: number, level = perMinute) {
    if (!(perMinute > 0)) throw new RangeError(`a bucket needs a positive limit, got ${perMinute}`);
    this.capacity = perMinute;
    this.#level = Math.min(level, perMinute);
    this.#at = nowMs;
  }

  get ratePerMs(): number {
    return this.capacity / 60_000;
  }

  /** Tokens available at `nowMs` (may be negative after a correction overshoots). */
  level(nowMs: number): number {
    if (nowMs > this.#at) {
      this.#level = Math.min(this.capacity, this.#level + (nowMs - this.#at) * this.ratePerMs);
      this.#at = nowMs;
    }
    return this.#level;
  }

  /** Milliseconds until `n` tokens are available; Infinity when `n` exceeds the capacity. */
  waitMs(n: number, nowMs: number): number {
    if (n > this.capacity) return Infinity;
    const missing = n - this.level(nowMs);
    return missing <= 0 ? 0 : Math.ceil(missing / this.ratePerMs);
  }

  /** Takes `n` tokens if they are there; returns whether it did. */
  tryTake(n: number, nowMs: number): boolean {
    if (this.level(nowMs) < n) return false;
    this.#level -= n;
    return true;
  }

  /** Adds (refund) or removes (correction) tokens without the availability check. */
  adjust(delta: number, nowMs: number): void {
    this.#level = Math.min(this.capacity, this.level(nowMs) + delta);
  }

  /** Lowers the level to `remaining` when the provider says it is lower than we think. */
  clampTo(remaining: number, nowMs: number): void {
    if (remaining < this.level(nowMs)) this.#level = remaining;
  }

  /** When the bucket is full again (the `…-reset` header). */
  fullAtMs(nowMs: number): number {
    const missing = this.capacity - this.level(nowMs);
    return nowMs + Math.ceil(missing / this.ratePerMs);
  }
}

/** A tier's limits for one model class (per minute). */
export interface TierLimits {
  requestsPerMinute: number;
  inputTokensPerMinute: number;
  outputTokensPerMinute: number;
}

/**
 * The shortest time `count` identical requests can take under `limits`, starting from full
 * buckets: each bucket's burst is its capacity, the rest arrives at capacity/60 per second, and
 * the slowest bucket decides. Output tokens are reserved from `max_tokens` at admission and
 * refunded when the answer is shorter, so `outputTokensReserved` counts what is held per
 * request (the refund comes back one response time later: see `refundLagMs`).
 */
export function minimumDurationMs(
  limits: TierLimits,
  count: number,
  perRequest: { inputTokens: number; outputTokensUsed: number },
): { durationMs: number; binding: keyof TierLimits } {
  const need: Record<keyof TierLimits, number> = {
    requestsPerMinute: count,
    inputTokensPerMinute: count * perRequest.inputTokens,
    outputTokensPerMinute: count * perRequest.outputTokensUsed,
  };
  let binding: keyof TierLimits = 'requestsPerMinute';
  let durationMs = 0;
  for (const key of Object.keys(need) as Array<keyof TierLimits>) {
    const capacity = limits[key];
    // The last request needs its own share to be there: (need − capacity) refilled first.
    const ms = (Math.max(0, need[key] - capacity) / capacity) * 60_000;
    if (ms > durationMs) {
      durationMs = ms;
      binding = key;
    }
  }
  return { durationMs, binding };
}
