import type { StagingClock } from './clock.ts';

/** What every launcher module gets from `startStack`. */
export interface LaunchContext {
  /** The caller's environment (never mutated). */
  env: Record<string, string | undefined>;
  stateDir: string;
  clock: StagingClock;
  /** Registers how to undo a step; `stop()` runs them in reverse order. */
  defer(undo: () => Promise<void>): void;
  log(line: string): void;
}

/** One line of the ready table. */
export interface ServiceEntry {
  name: string;
  url: string;
  /** `env`: the caller named a real service, no stand-in was started for it. */
  from: 'stand-in' | 'env';
}

export function isSet(env: Record<string, string | undefined>, name: string): boolean {
  const value = env[name];
  return value !== undefined && value !== '';
}

/**
 * A provider is taken from the environment only when its URL setting is given: a key alone
 * (say an `ANTHROPIC_API_KEY` left in the shell) must not send local traffic to the real
 * provider, so the stand-in is used and the key is ignored, with a note.
 */
export function fromEnv(
  ctx: LaunchContext,
  urlSetting: string,
  keySettings: readonly string[] = [],
): boolean {
  if (isSet(ctx.env, urlSetting)) return true;
  const ignored = keySettings.filter((name) => isSet(ctx.env, name));
  if (ignored.length > 0) {
    ctx.log(
      `${ignored.join(', ')} set but ${urlSetting} is not: using the local stand-in (set ${urlSetting} to use a real service)`,
    );
  }
  return false;
}

/** `scheme://host:port` of a URL, without credentials or path secrets (tokens, keys). */
export function origin(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}
