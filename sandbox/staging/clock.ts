/**
 * The local staging clock: real time, or real time sped up by `VIGIE_TIME_SCALE` for drills
 * (60 = one virtual hour per real minute). It keeps real time until `start()` (the launch
 * calls it once the seed is written), then runs `scale` times faster from that instant: it
 * only runs faster, so anything stamped with real time (the seed, the app's own requests) is
 * never in its future. Sped up from the launch instead, a seed that takes two minutes under
 * load would end 20 staging hours before "now" at 600×, and every collector's window over the
 * seeded data would look empty or stale.
 */
export interface StagingClock {
  readonly scale: number;
  /** The real instant the clock started running fast (its time equals real time there). */
  readonly origin: number;
  now(): Date;
  /** Starts the fast run now (the first call only). */
  start(): void;
  /** Real milliseconds that `virtualMs` of this clock take (once started). */
  toRealMs(virtualMs: number): number;
}

export function createStagingClock(scale = 1, realNow: () => number = Date.now): StagingClock {
  let origin: number | undefined;
  return {
    scale,
    get origin() {
      return origin ?? realNow();
    },
    start() {
      origin ??= realNow();
    },
    now: () => {
      const real = realNow();
      return new Date(origin === undefined ? real : origin + (real - origin) * scale);
    },
    toRealMs: (virtualMs) => virtualMs / scale,
  };
}

/**
 * Runs `tick` every `intervalMs` real milliseconds, never two at once (a slow tick skips the
 * beats it overlaps); `stop()` clears the timer and waits for a tick in flight.
 */
export function every(
  intervalMs: number,
  tick: () => Promise<void>,
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let inFlight: Promise<void> | undefined;
  const beat = () => {
    if (inFlight) return;
    inFlight = tick()
      .catch(onError)
      .finally(() => {
        inFlight = undefined;
      });
  };
  const timer = setInterval(beat, intervalMs);
  // A timer must not keep a process alive that is otherwise done (tests, CLI errors).
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
