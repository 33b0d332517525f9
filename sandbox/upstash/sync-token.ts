/**
 * Read-your-writes sync tokens (upstash/docs redis/howto/readyourwrites.mdx): every answer
 * carries an `upstash-sync-token` naming the primary's state after the request; a request that
 * sends one back must be served from a state at least that recent. The bridge is one primary
 * with no replicas, so a token it issued is always already reached; what is left to check is
 * that the token is one it could have issued. Tokens are `<epoch>.<position>`: the epoch is
 * random per bridge, the position counts the requests that ran commands.
 */
import { randomBytes } from 'node:crypto';

export type SyncCheck =
  /** No token (the official client's first request sends an empty one). */
  | { kind: 'none' }
  /** Issued by this bridge and reached. */
  | { kind: 'reached'; position: number }
  /** Issued by another bridge (e.g. before a restart): no ordering with ours to wait for. */
  | { kind: 'foreign' }
  /** Not a token, or a position this bridge never issued. */
  | { kind: 'invalid'; message: string };

export interface SyncClock {
  /** The token naming the state now. */
  current(): string;
  /** A request ran commands: the state moved on. */
  advance(): void;
  check(token: string | undefined): SyncCheck;
}

const TOKEN = /^([0-9a-f]{12})\.(\d{1,15})$/;

export function createSyncClock(epoch = randomBytes(6).toString('hex')): SyncClock {
  let position = 0;
  return {
    current: () => `${epoch}.${position}`,
    advance() {
      position += 1;
    },
    check(token) {
      if (token === undefined || token.trim() === '') return { kind: 'none' };
      const match = TOKEN.exec(token.trim());
      if (match === null) {
        return { kind: 'invalid', message: 'ERR invalid upstash-sync-token: not a sync token' };
      }
      if (match[1] !== epoch) return { kind: 'foreign' };
      const given = Number(match[2]);
      if (given > position) {
        return {
          kind: 'invalid',
          message: 'ERR invalid upstash-sync-token: ahead of every state this database reached',
        };
      }
      return { kind: 'reached', position: given };
    },
  };
}
