/** The drills' clock settings, light enough for the CLI to import before it loads a staging. */

/**
 * The game day's default clock at full size (50 customers × 2,000 prospects on 2 cores): at
 * 120× a 5-minute collector runs every 2.5 real seconds, the n8n failure rate's hour is 30 real
 * seconds and Sentry's 10-minute rule window 5: windows long enough for the traffic a loaded
 * machine can make to fill them as production's would (at 600× they last 1 to 6 seconds, and
 * the Sentry rule asked for 50 errors a real second).
 */
export const GAMEDAY_SCALE = 120;

/**
 * Real milliseconds a drill waits for its alert (and for steady state again): 90 s, or four
 * staging hours when that is longer, so an hourly collector gets three runs at any scale.
 */
export function drillTimeoutMs(scale: number): number {
  return Math.max(90_000, Math.ceil((4 * 3_600_000) / scale));
}
