/**
 * The clock a `vigie` command runs on. Against a local staging sped up by `VIGIE_TIME_SCALE`
 * (drills run at 600×), "now" is the staging's time, not the wall clock: otherwise an action
 * such as `vigie alerts probe` compares the wall clock with times the staging wrote hours
 * ahead, and waits for them. Anywhere else (deployed, or real-time staging) it is real time.
 */
export interface CommandClock {
  now(): Date;
  /** Sleeps `ms` of this clock. */
  sleep(ms: number): Promise<void>;
  scale: number;
}

export function commandClock(
  settings: { VIGIE_TIME_SCALE: number; VIGIE_CLOCK_ORIGIN?: string | undefined },
  realNow: () => number = Date.now,
): CommandClock {
  const origin =
    settings.VIGIE_CLOCK_ORIGIN === undefined ? undefined : Date.parse(settings.VIGIE_CLOCK_ORIGIN);
  const scale = origin === undefined ? 1 : settings.VIGIE_TIME_SCALE;
  return {
    scale,
    now: () =>
      origin === undefined ? new Date(realNow()) : new Date(origin + (realNow() - origin) * scale),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms / scale)),
  };
}
