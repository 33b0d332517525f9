/**
 * What the bridge counts as Upstash bills it (docs/providers/upstash-phantombuster.md, "Usage
 * the REST bridge counts"): every command, each command of a pipeline or transaction
 * separately, except the operational commands Upstash names as free (INFO, PING, AUTH); and
 * the bytes of each request body and each answer, server-sent events included. Counts are kept
 * per UTC day so the Developer API stand-in can serve daily series and month totals.
 */
import type { RedisCommand } from './wire.ts';

/** Not billed (upstash/docs redis/overall/billing.mdx, "What counts as a command"). */
export const FREE_COMMANDS: ReadonlySet<string> = new Set(['INFO', 'PING', 'AUTH']);

export interface DayUsage {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  commands: number;
  bandwidthBytes: number;
}

/** The month so far, as the Developer API's stats answer reads it. */
export interface UsageSnapshot {
  monthlyRequests: number;
  monthlyBandwidthBytes: number;
  /** From the first day of the month to today (UTC), oldest first, zero where idle. */
  days: DayUsage[];
}

export interface UsageCounter {
  /** Commands run by one request (none for a refused one) and the bytes it moved. */
  record(entry: { commands: readonly RedisCommand[]; bytes: number; at: Date }): void;
  /** Bytes with no command: each event of a subscription stream. */
  addBytes(bytes: number, at: Date): void;
  snapshot(now: Date): UsageSnapshot;
}

export function billableCommands(commands: readonly RedisCommand[]): number {
  return commands.filter(([name]) => !FREE_COMMANDS.has(name.toUpperCase())).length;
}

export function createUsageCounter(): UsageCounter {
  const byDay = new Map<string, { commands: number; bandwidthBytes: number }>();
  const slot = (at: Date) => {
    const day = at.toISOString().slice(0, 10);
    let entry = byDay.get(day);
    if (entry === undefined) {
      entry = { commands: 0, bandwidthBytes: 0 };
      byDay.set(day, entry);
    }
    return entry;
  };
  return {
    record({ commands, bytes, at }) {
      const entry = slot(at);
      entry.commands += billableCommands(commands);
      entry.bandwidthBytes += bytes;
    },
    addBytes(bytes, at) {
      slot(at).bandwidthBytes += bytes;
    },
    snapshot(now) {
      const days: DayUsage[] = [];
      const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
      for (let t = first; t <= now.getTime(); t += 86_400_000) {
        const day = new Date(t).toISOString().slice(0, 10);
        const entry = byDay.get(day);
        days.push({
          day,
          commands: entry?.commands ?? 0,
          bandwidthBytes: entry?.bandwidthBytes ?? 0,
        });
      }
      return {
        monthlyRequests: days.reduce((sum, d) => sum + d.commands, 0),
        monthlyBandwidthBytes: days.reduce((sum, d) => sum + d.bandwidthBytes, 0),
        days,
      };
    },
  };
}
