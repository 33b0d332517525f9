import type { Redis } from '@upstash/redis';
import { ACQUIRE_SCRIPT, SETTLE_SCRIPT } from '../../core/enrichment/shared-bucket-scripts.ts';
import { VigieError } from '../../core/errors.ts';
import { redisKeys } from '../../core/redis-keys.ts';
import type { Admission, Demand, Headers, LimiterStats, RateLimiter } from './rate-limiter.ts';

/**
 * The organisation's Claude limits shared by every instance (API Lambdas, the n8n workflows'
 * calls through the API) through Upstash Redis: the same buckets as `OrgRateLimiter`, but
 * held in one Redis hash and changed only by two Lua scripts (core/enrichment/
 * shared-bucket-scripts.ts) that read Redis's clock. `acquire` takes the call's share from all
 * three buckets at once or learns how long until it could; the process then waits locally
 * (one FIFO queue per process, one script call at a time) and asks again. `settle`, `release`
 * and `pause` are one script call each: refunds, header sync, and a pause-until that every
 * instance honours. The limits are learnt from the first answer's headers (one probe call for
 * the whole organisation). Costs and behaviour: docs/load/enrichment-gateway.md.
 *
 * Fails closed: when Redis does not answer `acquire`, waiting and new calls fail with
 * UNAVAILABLE (503) instead of going to Claude unmetered, since several instances each falling
 * back to their own limiter would together exceed the org's limits. A failed `settle` is
 * counted and otherwise ignored: the answer is already there, and the next answer's headers
 * correct the mirror.
 */
export interface SharedRateLimiterOptions {
  /** The app's Upstash client (`createRedis`). */
  redis: Pick<Redis, 'createScript'>;
  keys?: { state: string; pause: string };
  /** How long the one probe call may hold the lease before another instance may probe (ms). */
  probeLeaseMs?: number;
  /** The buckets' hash expires after this long without a call (ms): no lingering state. */
  idleTtlMs?: number;
  /**
   * The longest local wait before asking Redis again (ms): other instances' refunds and the
   * end of a probe are only seen by asking. Shorter = sooner, but more billed commands.
   */
  maxPollMs?: number;
}

export interface SharedLimiterStats extends LimiterStats {
  /** Script calls made (each one billed Upstash command). */
  scriptCalls: number;
  /** `acquire` answers that said wait. */
  waits: number;
  /** Settle/release/pause calls Redis did not take (the answer was kept). */
  settleErrors: number;
}

interface SharedAdmission extends Admission {
  /** The probe took nothing from the buckets: nothing to refund. */
  readonly probe: boolean;
}

interface Waiter {
  demand: Demand;
  enqueuedAt: number;
  resolve(a: Admission): void;
  reject(e: unknown): void;
}

type Script = ReturnType<Redis['createScript']>;

/** Refill held back at admission for the provider's clock against Redis's (ACQUIRE_SCRIPT). */
const CLOCK_SKEW_MS = 100;

const HEADER_NAMES = ['requests', 'input-tokens', 'output-tokens'] as const;

export class SharedRateLimiter implements RateLimiter {
  readonly stats: SharedLimiterStats = {
    admitted: 0,
    sentWhileEmpty: 0,
    pauses: 0,
    queued: 0,
    scriptCalls: 0,
    waits: 0,
    settleErrors: 0,
  };
  readonly #acquire: Script;
  readonly #settle: Script;
  readonly #keys: string[];
  readonly #leaseMs: number;
  readonly #ttlMs: number;
  readonly #maxPollMs: number;
  #queue: Waiter[] = [];
  #running = false;
  #closedWith: Error | undefined;
  /** What this process knows of the shared pause (so it does not ask Redis meanwhile). */
  #pausedUntil = 0;
  #sleeping: { timer: ReturnType<typeof setTimeout>; done: () => void } | undefined;

  constructor(options: SharedRateLimiterOptions) {
    // createScript: EVALSHA first, EVAL (which caches it) when Redis answers NOSCRIPT.
    this.#acquire = options.redis.createScript(ACQUIRE_SCRIPT);
    this.#settle = options.redis.createScript(SETTLE_SCRIPT);
    const keys = options.keys ?? {
      state: redisKeys.claudeLimiter,
      pause: redisKeys.claudeLimiterPause,
    };
    this.#keys = [keys.state, keys.pause];
    this.#leaseMs = options.probeLeaseMs ?? 60_000;
    this.#ttlMs = options.idleTtlMs ?? 10 * 60_000;
    this.#maxPollMs = options.maxPollMs ?? 1_000;
  }

  acquire(demand: Demand): Promise<Admission> {
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    return new Promise<Admission>((resolve, reject) => {
      this.#queue.push({ demand, enqueuedAt: Date.now(), resolve, reject });
      this.stats.queued = this.#queue.length;
      void this.#pump();
    });
  }

  async settle(
    admission: Admission,
    answer: { headers?: Headers; usage?: { inputTokens: number; outputTokens: number } },
  ): Promise<void> {
    const probe = (admission as SharedAdmission).probe;
    const deltas =
      probe || !answer.usage
        ? [0, 0, 0]
        : [
            0,
            admission.demand.inputTokens - answer.usage.inputTokens,
            admission.demand.maxTokens - answer.usage.outputTokens,
          ];
    await this.#runSettle(deltas, 0, probe, answer.headers);
  }

  async release(admission: Admission): Promise<void> {
    const probe = (admission as SharedAdmission).probe;
    const d = admission.demand;
    await this.#runSettle(probe ? [0, 0, 0] : [1, d.inputTokens, d.maxTokens], 0, probe);
  }

  async pause(ms: number, headers?: Headers): Promise<void> {
    this.stats.pauses += 1;
    // Honoured here even if Redis does not take it.
    this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + ms);
    await this.#runSettle([0, 0, 0], Math.max(1, Math.ceil(ms)), false, headers);
  }

  close(error: Error): void {
    this.#closedWith = error;
    this.#failAll(error);
  }

  reopen(): void {
    this.#closedWith = undefined;
  }

  async #runSettle(
    deltas: number[],
    pauseMs: number,
    clearProbe: boolean,
    headers?: Headers,
  ): Promise<void> {
    const sync: string[] = [];
    for (const name of HEADER_NAMES) {
      sync.push(numberHeader(headers, `anthropic-ratelimit-${name}-limit`));
      sync.push(numberHeader(headers, `anthropic-ratelimit-${name}-remaining`));
    }
    try {
      this.stats.scriptCalls += 1;
      const reply = await this.#settle.exec(this.#keys, [
        ...deltas.map(String),
        String(pauseMs),
        clearProbe ? '1' : '0',
        String(this.#ttlMs),
        ...sync,
      ]);
      const pausedFor = Number((reply as unknown[])[0]);
      if (pausedFor > 0) this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + pausedFor);
    } catch {
      this.stats.settleErrors += 1;
    }
    this.#wake();
  }

  async #pump(): Promise<void> {
    if (this.#running) return this.#wake();
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const head = this.#queue[0]!;
        const pausedMs = this.#pausedUntil - Date.now();
        if (pausedMs > 0) {
          await this.#sleep(pausedMs);
          continue;
        }
        let reply: unknown[];
        try {
          this.stats.scriptCalls += 1;
          reply = (await this.#acquire.exec(this.#keys, [
            String(head.demand.inputTokens),
            String(head.demand.maxTokens),
            String(this.#leaseMs),
            String(this.#ttlMs),
            String(CLOCK_SKEW_MS),
          ])) as unknown[];
        } catch (error) {
          this.#failAll(unavailable(error));
          return;
        }
        const [status, waitMs, reason] = [Number(reply[0]), Number(reply[1]), String(reply[2])];
        if (this.#queue[0] !== head) {
          // Closed meanwhile (the spend cap): give back what was taken, or the probe lease.
          const taken: SharedAdmission = {
            demand: head.demand,
            waitedMs: 0,
            probe: reason === 'probe',
          };
          if (status === 1) await this.release(taken);
          continue;
        }
        if (status === 1) {
          if (reason === 'ok') {
            const [r, i, o] = reply.slice(3, 6).map(Number) as [number, number, number];
            if (r < 1 || i < head.demand.inputTokens || o < head.demand.maxTokens)
              this.stats.sentWhileEmpty += 1;
          }
          this.#admit(head, reason === 'probe');
          continue;
        }
        if (status === -1) {
          this.#queue.shift();
          this.stats.queued = this.#queue.length;
          const [, ic, oc] = reply.slice(3, 6).map(Number);
          head.reject(
            new RangeError(
              `this call needs ${head.demand.inputTokens} input / ${head.demand.maxTokens} output tokens, more than the per-minute limits (${ic} / ${oc})`,
            ),
          );
          continue;
        }
        this.stats.waits += 1;
        if (reason === 'paused') this.#pausedUntil = Date.now() + waitMs;
        await this.#sleep(Math.min(Math.max(1, waitMs), this.#maxPollMs));
      }
    } finally {
      this.#running = false;
    }
  }

  #admit(w: Waiter, probe: boolean): void {
    this.#queue.shift();
    this.stats.queued = this.#queue.length;
    this.stats.admitted += 1;
    const admission: SharedAdmission = {
      demand: w.demand,
      waitedMs: Date.now() - w.enqueuedAt,
      probe,
    };
    w.resolve(admission);
  }

  #failAll(error: unknown): void {
    for (const w of this.#queue.splice(0)) w.reject(error);
    this.stats.queued = 0;
    this.#wake();
  }

  /** Waits `ms`, or less when this process frees a share (a refund, a probe's answer). */
  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleeping = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      this.#sleeping = { timer, done };
    });
  }

  #wake(): void {
    this.#sleeping?.done();
  }
}

function numberHeader(headers: Headers | undefined, name: string): string {
  const v = headers?.get(name);
  return v !== null && v !== undefined && v.trim() !== '' && Number.isFinite(Number(v))
    ? String(Number(v))
    : '';
}

/** The client's messages quote the command (keys, arguments): never passed on. */
function unavailable(error: unknown): VigieError {
  const kind = error instanceof Error ? error.name : 'unknown error';
  return new VigieError(
    'UNAVAILABLE',
    `Enrichment is held back: the shared Claude rate limiter (Upstash Redis) did not answer (${kind}), and calls are not sent past the organisation's limits unmetered. Try again shortly.`,
  );
}
