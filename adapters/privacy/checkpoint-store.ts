/**
 * Where signed audit checkpoints live: outside the database they vouch for, in a store the
 * database's users cannot rewrite. A small port with two implementations:
 *
 * - `fileCheckpointStore` — local staging and tests: one JSON line per checkpoint, appended
 *   (`O_APPEND`) and fsynced, in the state directory, away from the Postgres data directory.
 * - `upstashCheckpointStore` — deployments: an Upstash Redis stream (`XADD`, never trimmed),
 *   another provider with its own credentials, so a database administrator cannot reach it.
 *   A store with write-once retention (S3 Object Lock in compliance mode) would also stop the
 *   holder of the Upstash token from deleting entries; see docs/audit-anchoring.md.
 *
 * Deleting checkpoints cannot forge one (they are signed) but could roll the anchor back; each
 * checkpoint names its predecessor's digest, so a removed one shows as a broken link.
 */
import { open, readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Redis } from '@upstash/redis';
import type { SignedCheckpoint } from '../../core/privacy/audit-checkpoint.ts';

export interface CheckpointStore {
  /** Appends one checkpoint; resolves once it is durable. */
  append(checkpoint: SignedCheckpoint): Promise<void>;
  /** The newest checkpoint, as stored (unverified), or undefined when none. */
  latest(): Promise<unknown>;
  /** What the store is, for messages (no secrets). */
  readonly description: string;
}

export function fileCheckpointStore(file: string): CheckpointStore {
  return {
    description: `file ${file}`,
    async append(checkpoint) {
      await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      const handle = await open(file, 'a', 0o600);
      try {
        await handle.write(`${JSON.stringify(checkpoint)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    async latest() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      const last = lines.at(-1);
      if (last === undefined) return undefined;
      try {
        return JSON.parse(last) as unknown;
      } catch {
        return { unreadable: true };
      }
    },
  };
}

export const CHECKPOINT_STREAM = 'vigie:audit:checkpoints';

export function upstashCheckpointStore(redis: Redis, key = CHECKPOINT_STREAM): CheckpointStore {
  return {
    description: `Upstash stream ${key}`,
    async append(checkpoint) {
      await redis.xadd(key, '*', { checkpoint: JSON.stringify(checkpoint) });
    },
    async latest() {
      const reply: unknown = await redis.xrevrange(key, '+', '-', 1);
      const value = checkpointField(reply);
      if (value === undefined) return undefined;
      // With the client's automatic deserialization the value comes parsed already.
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return { unreadable: true };
      }
    },
  };
}

/**
 * The `checkpoint` field of the newest entry: the raw reply is `[[id, [field, value, …]]]`
 * (how our client is configured), the deserialized one `{ id: { field: value } }`.
 */
function checkpointField(reply: unknown): unknown {
  if (Array.isArray(reply)) {
    const fields = (reply[0] as [string, unknown[]] | undefined)?.[1] ?? [];
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'checkpoint') return fields[i + 1];
    }
    return undefined;
  }
  if (typeof reply === 'object' && reply !== null) {
    const first = Object.values(reply)[0] as Record<string, unknown> | undefined;
    return first?.checkpoint;
  }
  return undefined;
}
