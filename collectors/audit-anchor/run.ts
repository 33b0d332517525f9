import type { AnchoredVerifyResult } from '../../adapters/privacy/audit-anchor.ts';
import type { Queryable } from '../../adapters/postgres/pool.ts';
import type { SignedCheckpoint } from '../../core/privacy/audit-checkpoint.ts';
import { finish, raiseAndRecord, type RaiseAlert, type TickBase } from '../shared/tick.ts';

/**
 * Hourly: verifies the audit log (every link, and the heads against the latest signed
 * checkpoint), then signs the current chain heads into a new checkpoint outside the database.
 * A broken chain or anchor raises `audit-chain-broken` (critical) and writes no checkpoint,
 * so tampering is never anchored. What one run leaves unanchored (rows written since the last
 * checkpoint) is covered by the next.
 */
export interface AuditAnchorDeps {
  db: Queryable;
  raise: RaiseAlert;
  checkpoint: () => Promise<{ result: AnchoredVerifyResult; written: SignedCheckpoint | null }>;
}

export interface AuditAnchorSummary extends TickBase {
  rowsChecked: number;
  chainsChecked: number;
  checkpointWritten: boolean;
  breaks: number;
}

export async function run(deps: AuditAnchorDeps, now: Date): Promise<AuditAnchorSummary> {
  const summary: AuditAnchorSummary = {
    collector: 'audit-anchor',
    at: now.toISOString(),
    status: 'ok',
    unread: [],
    alertsRaised: [],
    metrics: [],
    rowsChecked: 0,
    chainsChecked: 0,
    checkpointWritten: false,
    breaks: 0,
  };
  const { result, written } = await deps.checkpoint();
  summary.rowsChecked = result.chain.rowsChecked;
  summary.chainsChecked = result.chain.chainsChecked;
  summary.checkpointWritten = written !== null;
  const breaks = [
    ...result.chain.breaks.map((b) => ({ chainId: b.userId, seq: b.seq, reason: b.reason })),
    ...result.anchorBreaks.map((b) => ({ chainId: b.userId, seq: b.seq, reason: b.reason })),
    ...(result.checkpointInvalid
      ? [{ chainId: 'checkpoint-store', seq: '0', reason: 'checkpoint_signature_invalid' }]
      : []),
  ];
  summary.breaks = breaks.length;
  // One page for the log (the alert's dedup key), naming the first break; the CLI lists all.
  const first = breaks[0];
  if (first !== undefined) {
    await raiseAndRecord(
      deps,
      summary.alertsRaised,
      'audit-chain-broken',
      {
        chainId: first.chainId,
        seq: Number(first.seq),
        reason: first.reason,
        breaks: breaks.length,
      },
      now,
    );
  }
  summary.metrics.push(
    { name: 'vigie_audit_rows_verified', value: summary.rowsChecked, labels: {} },
    { name: 'vigie_audit_chain_breaks', value: summary.breaks, labels: {} },
  );
  return finish(deps, summary, now);
}
