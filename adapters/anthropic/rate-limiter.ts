import { TokenBucket } from '../../core/enrichment/token-bucket.ts';

/**
 * One limiter for the whole organisation's Claude limits (requests, input tokens and output
 * tokens per minute), fed by the `anthropic-ratelimit-*` headers of every answer, so a
 * hundred concurrent callers wait in one FIFO queue instead of each hitting 429 and retrying
 * on its own. It mirrors the provider's token buckets: a call is sent only when every bucket
 * holds its share (input estimate, `max_tokens` reserved for output); the answer's `usage`
 * corrects the estimate and returns unused output tokens; a `retry-after` pauses everyone.
 *
 * Until the first answer tells the limits, one call at a time is let through (the probe).
 * Scope: one process. Several instances (Lambda, n8n's calls) share the org's limits through
 * `SharedRateLimiter` (shared-rate-limiter.ts, Redis); this one is the fallback when no
 * Upstash is configured (docs/load/enrichment-gateway.md).
 */
export interface Demand {
  inputTokens: number;
  maxTokens: number;
}

export interface Admission {
  readonly demand: Demand;
  /** How long the call waited in the queue, ms. */
  readonly waitedMs: number;
}

export interface LimiterStats {
  admitted: number;
  /** Calls sent while a bucket's mirrored level was below the call's share (must stay 0). */
  sentWhileEmpty: number;
  pauses: number;
  queued: number;
}

export type Headers = { get(name: string): string | null };

/** What the gateway needs of a limiter: the in-process one or the shared (Redis) one. */
export interface RateLimiter {
  readonly stats: LimiterStats;
  acquire(demand: Demand): Promise<Admission>;
  settle(
    admission: Admission,
    answer: { headers?: Headers; usage?: { inputTokens: number; outputTokens: number } },
  ): void | Promise<void>;
  release(admission: Admission): void | Promise<void>;
  pause(ms: number, headers?: Headers): void | Promise<void>;
  close(error: Error): void;
  reopen(): void;
}

interface Waiter {
  demand: Demand;
  enqueuedAt: number;
  resolve(a: Admission): void;
  reject(e: unknown): void;
}

export class OrgRateLimiter implements RateLimiter {
  readonly stats: LimiterStats = { admitted: 0, sentWhileEmpty: 0, pauses: 0, queued: 0 };
  #buckets: { requests: TokenBucket; input: TokenBucket; output: TokenBucket } | undefined;
  #probeInFlight = false;
  #pausedUntil = 0;
  #queue: Waiter[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closedWith: Error | undefined;
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** True once the limits are known from headers. */
  get knowsLimits(): boolean {
    return this.#buckets !== undefined;
  }

  /** The mirrored levels (for metrics and tests). */
  levels(): { requests: number; input: number; output: number } | undefined {
    const b = this.#buckets;
    if (!b) return undefined;
    const now = this.#now();
    return {
      requests: b.requests.level(now),
      input: b.input.level(now),
      output: b.output.level(now),
    };
  }

  /** Waits (FIFO) until every bucket holds `demand`, then takes it. */
  acquire(demand: Demand): Promise<Admission> {
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    return new Promise<Admission>((resolve, reject) => {
      this.#queue.push({ demand, enqueuedAt: this.#now(), resolve, reject });
      this.stats.queued = this.#queue.length;
      this.#pump();
    });
  }

  /** Feeds the answer's headers and usage back: corrects estimates, syncs with the provider. */
  settle(
    admission: Admission,
    answer: { headers?: Headers; usage?: { inputTokens: number; outputTokens: number } },
  ): void {
    const now = this.#now();
    if (this.#buckets === undefined && answer.headers) this.#learn(answer.headers, now);
    else if (this.#buckets && answer.usage) {
      this.#buckets.input.adjust(admission.demand.inputTokens - answer.usage.inputTokens, now);
      this.#buckets.output.adjust(admission.demand.maxTokens - answer.usage.outputTokens, now);
    }
    if (this.#buckets && answer.headers) this.#sync(answer.headers, now);
    this.#probeInFlight = false;
    this.#pump();
  }

  /** A call that never reached the provider gives its share back. */
  release(admission: Admission): void {
    const now = this.#now();
    if (this.#buckets) {
      this.#buckets.requests.adjust(1, now);
      this.#buckets.input.adjust(admission.demand.inputTokens, now);
      this.#buckets.output.adjust(admission.demand.maxTokens, now);
    }
    this.#probeInFlight = false;
    this.#pump();
  }

  /** `retry-after` (or an overload back-off): nobody is admitted before `ms` from now. */
  pause(ms: number, headers?: Headers): void {
    const now = this.#now();
    if (headers && this.#buckets) this.#sync(headers, now);
    this.#pausedUntil = Math.max(this.#pausedUntil, now + ms);
    this.stats.pauses += 1;
    this.#probeInFlight = false;
    this.#pump();
  }

  /** Fails every waiting and future call with `error` (the spend cap: nothing will pass). */
  close(error: Error): void {
    this.#closedWith = error;
    for (const w of this.#queue.splice(0)) w.reject(error);
    this.stats.queued = 0;
    if (this.#timer) clearTimeout(this.#timer);
  }

  /** Undoes `close` (a new month, or the cap raised). */
  reopen(): void {
    this.#closedWith = undefined;
  }

  #learn(h: Headers, now: number): void {
    const limit = (name: string) => Number(h.get(`anthropic-ratelimit-${name}-limit`));
    const rpm = limit('requests');
    const itpm = limit('input-tokens');
    const otpm = limit('output-tokens');
    if (!(rpm > 0 && itpm > 0 && otpm > 0)) return;
    this.#buckets = {
      requests: new TokenBucket(rpm, now),
      input: new TokenBucket(itpm, now),
      output: new TokenBucket(otpm, now),
    };
  }

  /** The provider's `remaining` wins when it is lower than the mirror (other traffic, rounding). */
  #sync(h: Headers, now: number): void {
    const b = this.#buckets!;
    const pairs = [
      ['requests', b.requests],
      ['input-tokens', b.input],
      ['output-tokens', b.output],
    ] as const;
    for (const [name, bucket] of pairs) {
      const limit = Number(h.get(`anthropic-ratelimit-${name}-limit`));
      if (limit > 0) bucket.capacity = limit;
      const remaining = h.get(`anthropic-ratelimit-${name}-remaining`);
      if (remaining !== null && remaining !== '' && Number.isFinite(Number(remaining)))
        bucket.clampTo(Number(remaining), now);
    }
  }

  #pump(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const now = this.#now();
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (now < this.#pausedUntil) return this.#wake(this.#pausedUntil - now);
      const b = this.#buckets;
      if (b === undefined) {
        if (this.#probeInFlight) return;
        this.#probeInFlight = true;
        this.#admit(head, now);
        continue;
      }
      const { inputTokens, maxTokens } = head.demand;
      const wait = Math.max(
        b.requests.waitMs(1, now),
        b.input.waitMs(inputTokens, now),
        b.output.waitMs(maxTokens, now),
      );
      if (!Number.isFinite(wait)) {
        this.#queue.shift();
        head.reject(
          new RangeError(
            `this call needs ${inputTokens} input / ${maxTokens} output tokens, more than the per-minute limits (${b.input.capacity} / ${b.output.capacity})`,
          ),
        );
        continue;
      }
      if (wait > 0) return this.#wake(wait);
      if (
        b.requests.level(now) < 1 ||
        b.input.level(now) < inputTokens ||
        b.output.level(now) < maxTokens
      )
        this.stats.sentWhileEmpty += 1;
      b.requests.tryTake(1, now);
      b.input.tryTake(inputTokens, now);
      b.output.tryTake(maxTokens, now);
      this.#admit(head, now);
    }
  }

  #admit(w: Waiter, now: number): void {
    this.#queue.shift();
    this.stats.queued = this.#queue.length;
    this.stats.admitted += 1;
    w.resolve({ demand: w.demand, waitedMs: now - w.enqueuedAt });
  }

  #wake(ms: number): void {
    this.#timer = setTimeout(() => this.#pump(), Math.max(1, ms));
    this.#timer.unref?.();
  }
}
