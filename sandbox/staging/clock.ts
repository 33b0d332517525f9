/**
 * The local staging clock: real time, or real time sped up by `VIGIE_TIME_SCALE` for drills
 * (60 = one virtual hour per real minute). It starts at the real time of the launch and only
 * runs faster, so anything stamped with real time (the app's own requests) is never in its
 * future.
 */
export interface StagingClock {
  readonly scale: number;
  /** The real instant the clock started (its time equals real time there). */
  readonly origin: number;
  now(): Date;
  /** Real milliseconds that `virtualMs` of this clock take. */
  toRealMs(virtualMs: number): number;
}

export function createStagingClock(scale = 1, realNow: () => number = Date.now): StagingClock {
  const origin = realNow();
  return {
    scale,
    origin,
    now: () => new Date(origin + (realNow() - origin) * scale),
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
