/**
 * The background of the erasure request path, in a long-running server (local staging, a
 * container): the DELETE answers once the request is recorded and the Postgres records are
 * gone (`acceptErasure`), and this queue then advances the request (Upstash, n8n, the
 * verification, the receipt) at a bounded concurrency. Bounded too in what it remembers: past
 * `queue` waiting ids a new one is not kept, which loses nothing — every request is durable
 * and the erasure-retry collector advances whatever is due. On Lambda (frozen after the
 * answer) the collector alone does this work (`ErasureOptions.background`).
 */
export interface ErasureBackground {
  /** Queues a recorded request; false when the queue is full (the collector will take it). */
  enqueue(requestId: string): boolean;
  /** Resolves once nothing is queued or running (tests, shutdown). */
  idle(): Promise<void>;
  stats(): { running: number; queued: number; dropped: number; failed: number };
}

export function createErasureBackground(options: {
  /** `advanceErasure` bound to its deps; a throw is counted, the request stays due. */
  advance: (requestId: string) => Promise<unknown>;
  concurrency: number;
  queue: number;
}): ErasureBackground {
  const waiting: string[] = [];
  const known = new Set<string>();
  let running = 0;
  let dropped = 0;
  let failed = 0;
  let idlers: Array<() => void> = [];

  const pump = () => {
    while (running < options.concurrency && waiting.length > 0) {
      const id = waiting.shift() as string;
      running += 1;
      void options
        .advance(id)
        .catch(() => {
          failed += 1;
        })
        .finally(() => {
          running -= 1;
          known.delete(id);
          pump();
        });
    }
    if (running === 0 && waiting.length === 0) {
      const done = idlers;
      idlers = [];
      for (const resolve of done) resolve();
    }
  };

  return {
    enqueue(requestId) {
      if (known.has(requestId)) return true;
      if (waiting.length >= options.queue) {
        dropped += 1;
        return false;
      }
      known.add(requestId);
      waiting.push(requestId);
      // Later, not now: the answer to the DELETE goes out first.
      setImmediate(pump);
      return true;
    },
    idle() {
      if (running === 0 && waiting.length === 0) return Promise.resolve();
      return new Promise((resolve) => idlers.push(resolve));
    },
    stats: () => ({ running, queued: waiting.length, dropped, failed }),
  };
}
