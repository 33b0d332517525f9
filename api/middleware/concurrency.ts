/**
 * A concurrency cap with a bounded, deadline-limited wait: at most `limit` holders at once, at
 * most `queue` waiting, FIFO. Under overload a caller learns at once (queue full) or by its
 * deadline that no slot came, instead of waiting behind an unbounded backlog, so the server's
 * memory and latency stay bounded whatever the arrival rate.
 */
export interface Gate {
  /** A release function, or undefined when the queue is full or `waitMs` passed first. */
  acquire(waitMs: number): Promise<(() => void) | undefined>;
  readonly active: number;
  readonly waiting: number;
}

export function createGate(options: { limit: number; queue: number }): Gate {
  if (!(options.limit >= 1) || !(options.queue >= 0)) {
    throw new RangeError('a gate needs limit ≥ 1 and queue ≥ 0');
  }
  let active = 0;
  const waiters: Array<{ grant: () => void }> = [];

  const release = (): void => {
    const next = waiters.shift();
    // The slot passes straight to the next waiter: `active` is unchanged.
    if (next) next.grant();
    else active -= 1;
  };
  const once = (): (() => void) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release();
    };
  };

  return {
    acquire(waitMs) {
      if (active < options.limit) {
        active += 1;
        return Promise.resolve(once());
      }
      if (waiters.length >= options.queue || waitMs <= 0) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const waiter = {
          grant: () => {
            clearTimeout(timer);
            resolve(once());
          },
        };
        const timer = setTimeout(() => {
          const at = waiters.indexOf(waiter);
          if (at >= 0) waiters.splice(at, 1);
          resolve(undefined);
        }, waitMs);
        waiters.push(waiter);
      });
    },
    get active() {
      return active;
    },
    get waiting() {
      return waiters.length;
    },
  };
}
