import { readFile } from 'node:fs/promises';
import { collectors } from '../../core/catalog/collectors.ts';
import { startStack, type RunningStack } from '../../sandbox/stack.ts';
import { loadRunbooks } from '../library.ts';
import { drills } from './index.ts';
import { type DrillOptions, runDrill } from './runner.ts';
import type { DrillEnv, DrillJournal } from './types.ts';

export { drillTimeoutMs, GAMEDAY_SCALE } from './scale.ts';

/**
 * Settings a drill staging runs with: a compressed clock (600: an hour in six seconds, so an
 * hourly collector runs within seconds) and lock-wait / long-transaction thresholds short
 * enough for a drill (they are real-time, measured by Postgres). The compressed-time test
 * runs at 600 on a small seed; the game day at `GAMEDAY_SCALE` (`drillSettings`).
 */
export const DRILL_ENV: Record<string, string> = {
  VIGIE_TIME_SCALE: '600',
  DB_HEALTH_BLOCKED_SECONDS: '2',
  DB_HEALTH_LONG_TRANSACTION_SECONDS: '3600',
  PORT: '0',
};

/** {@link DRILL_ENV} at another clock scale. */
export function drillSettings(scale: number): Record<string, string> {
  if (!(Number.isFinite(scale) && scale >= 1))
    throw new Error(`a drill clock scale is a number ≥ 1, not ${scale}`);
  return { ...DRILL_ENV, VIGIE_TIME_SCALE: String(scale) };
}

/** The drill environment of a running staging started in this process. */
export async function drillEnv(stack: RunningStack): Promise<DrillEnv> {
  const slack = stack.standIns.slack;
  if (!slack) throw new Error('drills need the Slack stand-in (SLACK_WEBHOOK_URL must be unset)');
  return {
    pool: stack.pool,
    config: stack.config,
    commandEnv: await readEnvFile(stack.envFile),
    slack,
    ...(stack.standIns.smtp ? { smtp: stack.standIns.smtp } : {}),
    now: stack.now,
    scale: stack.config.VIGIE_TIME_SCALE,
    faults: {
      apply: (standIn, mode, args) => stack.faults.apply(standIn, mode, args ?? {}),
      clear: (standIn) => stack.faults.clear(standIn),
    },
    appUrl: stack.urls.app,
    monitorIds: stack.monitors?.monitorIds ?? {},
    ...(stack.config.N8N_WEBHOOK_BASE_URL
      ? { n8nWebhookUrl: stack.config.N8N_WEBHOOK_BASE_URL }
      : {}),
  };
}

/** Runs the named drills (default: all) one after the other. */
export async function runDrills(
  env: DrillEnv,
  options: DrillOptions & {
    only?: readonly string[];
    onStart?: (id: string) => void;
    onEnd?: (j: DrillJournal) => void;
  } = {},
): Promise<DrillJournal[]> {
  const pages = loadRunbooks();
  const journals: DrillJournal[] = [];
  for (const [id, drill] of Object.entries(drills)) {
    if (options.only && !options.only.includes(id)) continue;
    const page = pages.find((p) => p.id === drill.runbook);
    if (!page) throw new Error(`drill ${id}: no runbook ${drill.runbook}`);
    options.onStart?.(id);
    const journal = await runDrill(drill, page, env, options);
    journals.push(journal);
    options.onEnd?.(journal);
  }
  return journals;
}

/** `NAME='value'` lines, as `vigie start` writes them. */
export async function readEnvFile(file: string): Promise<Record<string, string>> {
  const text = await readFile(file, 'utf8');
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^([A-Z0-9_]+)='((?:[^']|'\\'')*)'$/gm)) {
    out[m[1]!] = m[2]!.replaceAll(`'\\''`, "'");
  }
  return out;
}

/**
 * Stops a drill staging promptly. Stopping waits for the collector runs in flight, and a
 * collector catching up its slots on a 600× clock (the daily retention purge on a full seed)
 * can run for minutes: the collector crash switch is turned on for every collector first, so
 * what is left of each chain ends in moments.
 */
export async function stopStaging(stack: RunningStack): Promise<void> {
  for (const c of collectors) {
    await stack.faults.apply('collector', 'crash', { name: c.name }).catch(() => {});
  }
  await stack.stop();
}

export { startStack };
