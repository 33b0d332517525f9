import { createHash } from 'node:crypto';
import Cursor from 'pg-cursor';
import type { PoolClient } from '../postgres/pool.ts';

/**
 * Verifies the per-user hash chain of `audit_log` (migration 20261126045000) by recomputing
 * every link here, independently of the database's own hash function: row_hash =
 * sha256(prev_hash ‖ canonical(row)). Rows are streamed through a server-side cursor, so a
 * chain of millions of rows is checked in bounded memory.
 *
 * What it proves: no row of a chain was altered, removed from the middle or inserted out of
 * order since it was written. What it cannot: a superuser who rewrites a whole chain tail, or
 * deletes the last rows; `audit-anchor.ts` compares `heads` with signed checkpoints for that.
 */

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export type BreakReason =
  | 'seq_gap' // a row is missing (or seq was edited)
  | 'prev_hash_mismatch' // the row does not point at the previous row's hash
  | 'row_hash_mismatch'; // the row's content no longer matches its hash

export interface ChainBreak {
  /** The chain's user id (the nil UUID for rows without a user). */
  userId: string;
  /** The first row whose link is broken. */
  id: string;
  seq: string;
  reason: BreakReason;
  expectedSeq?: string;
}

export interface ChainHead {
  userId: string;
  seq: string;
  rowHash: string;
}

export interface VerifyResult {
  ok: boolean;
  rowsChecked: number;
  chainsChecked: number;
  /** The first broken link of each broken chain, in chain order. */
  breaks: ChainBreak[];
  /** Last link of each intact chain (hex), to anchor outside the database. */
  heads: ChainHead[];
}

export interface AuditRowForHash {
  id: string;
  seq: string;
  userId: string | null;
  action: string;
  prospectId: string | null;
  actor: string | null;
  /** UTC, microseconds: `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
  occurredAt: string;
  requestId: string | null;
}

/** Same text as SQL `audit_log_canonical`. */
export function canonicalAuditRow(row: AuditRowForHash): string {
  const fields = [
    row.userId,
    row.action,
    row.prospectId,
    row.actor,
    row.occurredAt,
    row.requestId,
  ].map((f) => (f === null ? '-' : `${Buffer.byteLength(f, 'utf8')}:${f}`));
  return `v1|${row.seq}|${row.id}|${fields.join('|')}`;
}

export function auditRowHash(prevHash: Buffer | null, row: AuditRowForHash): Buffer {
  return createHash('sha256')
    .update(prevHash ?? Buffer.alloc(0))
    .update(canonicalAuditRow(row), 'utf8')
    .digest();
}

interface Row {
  id: string;
  chain_key: string;
  chain_seq: string;
  user_id: string | null;
  action: string;
  prospect_id: string | null;
  actor: string | null;
  occurred_at: string;
  request_id: string | null;
  prev_hash: Buffer | null;
  row_hash: Buffer;
}

const BATCH = 2000;
const MAX_BREAKS = 100;

/** Checks one user's chain (`userId`) or every chain. Needs a client of its own (cursor). */
export async function verifyAuditChain(
  client: PoolClient,
  options: { userId?: string } = {},
): Promise<VerifyResult> {
  const params: unknown[] = [];
  let where = '';
  if (options.userId !== undefined) {
    params.push(options.userId);
    where = 'where public.audit_log_chain_key(a.user_id) = $1::uuid';
  }
  const cursor = client.query(
    new Cursor<Row>(
      // Casts to text keep bigint exact and the timestamp at microseconds (a JS Date has ms).
      `select a.id::text as id, public.audit_log_chain_key(a.user_id)::text as chain_key,
              a.chain_seq::text as chain_seq, a.user_id::text as user_id, a.action,
              a.prospect_id::text as prospect_id, a.actor,
              to_char(a.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as occurred_at,
              a.request_id, a.prev_hash, a.row_hash
         from public.audit_log a ${where}
        order by public.audit_log_chain_key(a.user_id), a.chain_seq`,
      params,
    ),
  );
  const result: VerifyResult = {
    ok: true,
    rowsChecked: 0,
    chainsChecked: 0,
    breaks: [],
    heads: [],
  };
  let chain: string | undefined;
  let prev: Row | undefined;
  let broken = false;
  const closeChain = () => {
    if (chain !== undefined && !broken && prev !== undefined) {
      result.heads.push({
        userId: chain,
        seq: prev.chain_seq,
        rowHash: prev.row_hash.toString('hex'),
      });
    }
  };
  try {
    for (;;) {
      const rows = await cursor.read(BATCH);
      if (rows.length === 0) break;
      for (const row of rows) {
        result.rowsChecked += 1;
        if (row.chain_key !== chain) {
          closeChain();
          chain = row.chain_key;
          prev = undefined;
          broken = false;
          result.chainsChecked += 1;
        }
        if (!broken) {
          const problem = checkLink(prev, row);
          if (problem !== undefined) {
            broken = true;
            if (result.breaks.length < MAX_BREAKS) result.breaks.push(problem);
          }
        }
        prev = row;
      }
    }
    closeChain();
  } finally {
    await cursor.close();
  }
  result.ok = result.breaks.length === 0;
  return result;
}

function checkLink(prev: Row | undefined, row: Row): ChainBreak | undefined {
  const at = { userId: row.chain_key, id: row.id, seq: row.chain_seq };
  const expectedSeq = prev === undefined ? 1n : BigInt(prev.chain_seq) + 1n;
  if (BigInt(row.chain_seq) !== expectedSeq) {
    return { ...at, reason: 'seq_gap', expectedSeq: String(expectedSeq) };
  }
  const expectedPrev = prev?.row_hash ?? null;
  const prevMatches =
    expectedPrev === null ? row.prev_hash === null : row.prev_hash?.equals(expectedPrev) === true;
  if (!prevMatches) return { ...at, reason: 'prev_hash_mismatch' };
  const recomputed = auditRowHash(row.prev_hash, {
    id: row.id,
    seq: row.chain_seq,
    userId: row.user_id,
    action: row.action,
    prospectId: row.prospect_id,
    actor: row.actor,
    occurredAt: row.occurred_at,
    requestId: row.request_id,
  });
  if (!recomputed.equals(row.row_hash)) return { ...at, reason: 'row_hash_mismatch' };
  return undefined;
}
