import type { KeyObject } from 'node:crypto';
import {
  type AnchorBreak,
  type CheckpointBody,
  type SignedCheckpoint,
  checkpointSignatureOk,
  compareWithCheckpoint,
  signCheckpoint,
} from '../../core/privacy/audit-checkpoint.ts';
import type { ReceiptSigner } from '../../core/privacy/receipt.ts';
import type { PoolClient } from '../postgres/pool.ts';
import { type VerifyResult, verifyAuditChain } from './audit-chain.ts';
import type { CheckpointStore } from './checkpoint-store.ts';

/**
 * The audit log checked against its latest signed checkpoint (see
 * core/privacy/audit-checkpoint.ts): every link recomputed (`verifyAuditChain`), then every
 * checkpointed head looked up where it was — a deleted tail or a row rewritten with a
 * recomputed hash shows as `chain_truncated` / `head_mismatch`.
 */
export interface AnchoredVerifyResult {
  ok: boolean;
  chain: VerifyResult;
  /** The checkpoint compared against; null when the store has none yet. */
  checkpoint: { createdAt: string; heads: number; keyId: string } | null;
  /** The store's latest entry is not a checkpoint signed by our key. */
  checkpointInvalid: boolean;
  anchorBreaks: AnchorBreak[];
}

export async function verifyAnchoredAuditLog(
  client: PoolClient,
  options: { store: CheckpointStore; publicKey: KeyObject; userId?: string },
): Promise<AnchoredVerifyResult> {
  const chain = await verifyAuditChain(
    client,
    options.userId === undefined ? {} : { userId: options.userId },
  );
  const latest = await options.store.latest();
  if (latest === undefined) {
    return { ok: chain.ok, chain, checkpoint: null, checkpointInvalid: false, anchorBreaks: [] };
  }
  if (!checkpointSignatureOk(latest, options.publicKey)) {
    return { ok: false, chain, checkpoint: null, checkpointInvalid: true, anchorBreaks: [] };
  }
  const checkpoint = latest as SignedCheckpoint;
  const heads =
    options.userId === undefined
      ? checkpoint.heads
      : checkpoint.heads.filter((h) => h.userId === options.userId);
  const anchorBreaks = compareWithCheckpoint(
    { ...checkpoint, heads },
    await currentAt(client, { ...checkpoint, heads }),
  );
  return {
    ok: chain.ok && anchorBreaks.length === 0,
    chain,
    checkpoint: {
      createdAt: checkpoint.createdAt,
      heads: checkpoint.heads.length,
      keyId: checkpoint.signature.keyId,
    },
    checkpointInvalid: false,
    anchorBreaks,
  };
}

/**
 * Verifies, then — only when everything verifies — signs the current heads and appends them
 * to the store: a tampered log is never anchored.
 */
export async function checkpointAuditLog(
  client: PoolClient,
  options: { store: CheckpointStore; signer: ReceiptSigner; now: Date },
): Promise<{ result: AnchoredVerifyResult; written: SignedCheckpoint | null }> {
  const result = await verifyAnchoredAuditLog(client, {
    store: options.store,
    publicKey: options.signer.publicKey,
  });
  if (!result.ok) return { result, written: null };
  const previous = (await options.store.latest()) as SignedCheckpoint | undefined;
  const written = signCheckpoint(
    { createdAt: options.now, heads: result.chain.heads, previous },
    options.signer,
  );
  await options.store.append(written);
  return { result, written };
}

/** Each checkpointed chain's last position now, and the hash of the row at the signed one. */
async function currentAt(
  client: PoolClient,
  checkpoint: CheckpointBody,
): Promise<Map<string, { lastSeq: bigint; hashAt: Map<string, string> }>> {
  const { rows } = await client.query<{
    k: string;
    seq: string;
    last: string | null;
    h: string | null;
  }>(
    `select h.k::text as k, h.seq::text as seq,
            (select max(a.chain_seq) from public.audit_log a
              where public.audit_log_chain_key(a.user_id) = h.k)::text as last,
            (select encode(a.row_hash, 'hex') from public.audit_log a
              where public.audit_log_chain_key(a.user_id) = h.k and a.chain_seq = h.seq) as h
       from unnest($1::uuid[], $2::bigint[]) as h(k, seq)`,
    [checkpoint.heads.map((h) => h.userId), checkpoint.heads.map((h) => h.seq)],
  );
  const current = new Map<string, { lastSeq: bigint; hashAt: Map<string, string> }>();
  for (const row of rows) {
    if (row.last === null) continue; // no rows left in that chain
    const hashAt = new Map<string, string>();
    if (row.h !== null) hashAt.set(row.seq, row.h);
    current.set(row.k, { lastSeq: BigInt(row.last), hashAt });
  }
  return current;
}
