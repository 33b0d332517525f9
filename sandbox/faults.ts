import { VigieError } from '../core/errors.ts';

/**
 * The fault switches of a running local staging, one set per stand-in, each mode a small
 * function. The same switches serve `npx vigie sandbox fault …` (through the control endpoint,
 * `staging/control.ts`) and the drills, so rehearsing a runbook by hand flips what a drill flips.
 */
export type FaultArgs = Record<string, string>;

export interface FaultMode {
  description: string;
  /** Argument names the mode needs (`domain`, `connection`, …), in order on the command line. */
  args?: readonly string[];
  apply(args: FaultArgs): Promise<Record<string, unknown> | void>;
}

export interface FaultSwitch {
  description: string;
  modes: Record<string, FaultMode>;
  /** Back to normal; safe to call when nothing is on. */
  clear(): Promise<void>;
}

export type FaultSwitches = Record<string, FaultSwitch>;

export interface FaultState {
  standIn: string;
  mode: string;
  args: FaultArgs;
  since: string;
  result?: Record<string, unknown>;
}

/** Applies and clears faults, remembering what is on (for `GET /faults` and the journal). */
export function createFaultBoard(switches: FaultSwitches, now: () => Date = () => new Date()) {
  const active = new Map<string, FaultState>();
  const find = (standIn: string): FaultSwitch => {
    const sw = switches[standIn];
    if (!sw) {
      throw new VigieError(
        'NOT_FOUND',
        `No fault switch "${standIn}": use one of ${Object.keys(switches).join(', ')}.`,
      );
    }
    return sw;
  };
  return {
    switches,
    active: () => [...active.values()],
    async apply(standIn: string, mode: string, args: FaultArgs = {}): Promise<FaultState> {
      const sw = find(standIn);
      const m = sw.modes[mode];
      if (!m) {
        throw new VigieError(
          'BAD_REQUEST',
          `Stand-in "${standIn}" has no fault "${mode}": use one of ${Object.keys(sw.modes).join(', ')}, or clear.`,
        );
      }
      const missing = (m.args ?? []).filter((a) => !args[a]);
      if (missing.length > 0) {
        throw new VigieError(
          'BAD_REQUEST',
          `Fault ${standIn} ${mode} needs ${missing.map((a) => `<${a}>`).join(' ')}.`,
        );
      }
      const result = (await m.apply(args)) ?? undefined;
      const state: FaultState = {
        standIn,
        mode,
        args,
        since: now().toISOString(),
        ...(result ? { result } : {}),
      };
      active.set(standIn, state);
      return state;
    },
    async clear(standIn?: string): Promise<string[]> {
      const names = standIn === undefined ? Object.keys(switches) : [standIn];
      for (const name of names) {
        await find(name).clear();
        active.delete(name);
      }
      return names;
    },
  };
}

export type FaultBoard = ReturnType<typeof createFaultBoard>;
