import { createPool } from '../../adapters/postgres/pool.ts';
import type { Config } from '../../core/config.ts';
import type { TickBase } from './tick.ts';

/**
 * A collector's wiring: builds its deps from validated config (`requireSettings` names every
 * missing variable) and runs one tick. Each `collectors/<name>/wiring.ts` exports one; its
 * Lambda handler imports it directly, so the bundle holds only that collector's adapters.
 */
export type CollectorRunner = (
  config: Config,
  now: Date,
  invocation?: Invocation,
) => Promise<TickBase>;

/** What a run may know of its invocation: in Lambda, the time left before the timeout. */
export interface Invocation {
  /** Milliseconds until the Lambda times out (`context.getRemainingTimeInMillis()`). */
  remainingMs(): number;
}

/** The invocation of a Lambda context, when it has one (local runs have none). */
export function invocationOf(context: unknown): Invocation | undefined {
  const remaining = (context as { getRemainingTimeInMillis?: unknown } | undefined)
    ?.getRemainingTimeInMillis;
  if (typeof remaining !== 'function') return undefined;
  return { remainingMs: () => Number(remaining.call(context)) };
}

/** A small pool for one tick, always ended. */
export async function withPool<T>(
  url: string,
  fn: (db: ReturnType<typeof createPool>) => Promise<T>,
): Promise<T> {
  const pool = createPool(url, { max: 2 });
  try {
    return await fn(pool);
  } finally {
    await pool.end();
  }
}
