/**
 * Signed checkpoints of the audit log's chain heads. The hash chain proves that no row was
 * altered or removed from the middle, but someone who can write the database can delete the
 * last rows of a chain, or rewrite a row and recompute its hash with the database's own
 * function: the chain still verifies. A checkpoint anchors each chain's head (seq and hash)
 * outside the database, signed (Ed25519) with a key the database never holds, so
 * verification can tell "the chain is shorter than, or differs from, what was signed".
 * Rows written after the latest checkpoint are covered from the next one on.
 */
import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { ReceiptSigner } from './receipt.ts';

export const CHECKPOINT_TYPE = 'vigie.audit-checkpoint/1';

export interface CheckpointHead {
  /** The chain's user id (the nil UUID for rows without a user). */
  userId: string;
  /** Decimal text: chain positions are bigint. */
  seq: string;
  /** Hex sha256 of the head row. */
  rowHash: string;
}

export interface CheckpointBody {
  type: typeof CHECKPOINT_TYPE;
  createdAt: string;
  /** Every intact chain's head, sorted by user id. */
  heads: CheckpointHead[];
  /** sha256 of the previous checkpoint's canonical text (hex), null for the first. */
  previous: string | null;
}

export type SignedCheckpoint = CheckpointBody & {
  signature: { alg: 'Ed25519'; keyId: string; value: string };
};

export function signCheckpoint(
  input: { createdAt: Date; heads: CheckpointHead[]; previous: SignedCheckpoint | undefined },
  signer: ReceiptSigner,
): SignedCheckpoint {
  const body: CheckpointBody = {
    type: CHECKPOINT_TYPE,
    createdAt: input.createdAt.toISOString(),
    heads: [...input.heads].sort((a, b) => (a.userId < b.userId ? -1 : 1)),
    previous: input.previous === undefined ? null : checkpointDigest(input.previous),
  };
  const value = sign(null, canonicalBytes(body), signer.privateKey).toString('base64url');
  return { ...body, signature: { alg: 'Ed25519', keyId: signer.keyId, value } };
}

/** A checkpoint's own digest: the next one names it, so a removed checkpoint shows. */
export function checkpointDigest(checkpoint: SignedCheckpoint): string {
  return createHash('sha256').update(canonicalBytes(checkpoint)).digest('hex');
}

/** True when the document is a checkpoint signed by `publicKey`; never throws. */
export function checkpointSignatureOk(document: unknown, publicKey: KeyObject): boolean {
  if (typeof document !== 'object' || document === null) return false;
  const { signature, ...body } = document as Record<string, unknown>;
  const sig = signature as { alg?: unknown; value?: unknown } | undefined;
  if (body.type !== CHECKPOINT_TYPE || sig?.alg !== 'Ed25519' || typeof sig.value !== 'string') {
    return false;
  }
  try {
    return verify(null, canonicalBytes(body), publicKey, Buffer.from(sig.value, 'base64url'));
  } catch {
    return false;
  }
}

export type AnchorProblem =
  | 'chain_missing' // a checkpointed chain has no rows any more
  | 'chain_truncated' // the chain now ends before the checkpointed head
  | 'head_mismatch'; // the row at the checkpointed position is not the one signed

export interface AnchorBreak {
  userId: string;
  /** The checkpointed position. */
  seq: string;
  reason: AnchorProblem;
}

/**
 * Compares a checkpoint with the chains as they are now. `rowHashAt` gives the current hash
 * of the row at a chain position (undefined when there is none), `lastSeq` the chain's
 * current last position. Pure: the adapter passes what it read.
 */
export function compareWithCheckpoint(
  checkpoint: CheckpointBody,
  current: Map<string, { lastSeq: bigint; hashAt: Map<string, string> }>,
): AnchorBreak[] {
  const breaks: AnchorBreak[] = [];
  for (const head of checkpoint.heads) {
    const chain = current.get(head.userId);
    if (chain === undefined) {
      breaks.push({ userId: head.userId, seq: head.seq, reason: 'chain_missing' });
    } else if (chain.lastSeq < BigInt(head.seq)) {
      breaks.push({ userId: head.userId, seq: head.seq, reason: 'chain_truncated' });
    } else if (chain.hashAt.get(head.seq) !== head.rowHash) {
      breaks.push({ userId: head.userId, seq: head.seq, reason: 'head_mismatch' });
    }
  }
  return breaks;
}

function canonicalBytes(value: unknown): Buffer {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('the checkpoint cannot be serialised');
  return Buffer.from(text, 'utf8');
}
