import { randomUUID } from 'node:crypto';
import { auditAction } from '../adapters/ops/audit.ts';
import { checkpointAuditLog } from '../adapters/privacy/audit-anchor.ts';
import {
  checkpointStoreFrom,
  loadCheckpointSigner,
} from '../adapters/privacy/checkpoint-config.ts';
import type { Drill } from './drills/types.ts';

/**
 * Someone with the owner's credentials deletes the last row of an audit chain (triggers
 * bypassed): the chain's links still verify, but it now ends before the head the latest
 * signed checkpoint holds → the hourly audit-anchor run raises `audit-chain-broken`. The row is
 * restored (the backup restore, outside vigie: the switch's clear puts it back), then the
 * runbook verifies the log and anchors it again.
 *
 * The tampered chain is the drill's own (a fresh user id, two rows, anchored): a seeded user's
 * chain can grow while the row is out (a scrape's prospect writes are audited), the new row
 * takes the deleted one's position, and the restore no longer fits.
 */
export const drill: Drill = {
  runbook: 'audit-chain',
  alert: 'audit-chain-broken',
  collector: 'audit-anchor',
  fault: 'the last row of a signed audit chain deleted with the owner credentials',
  deployedStaging: false,
  async target(env) {
    // The fault needs a signed checkpoint holding the chain's head: the drill signs one, as
    // `npx vigie audit checkpoint` does, rather than waiting for the hourly run.
    const store = checkpointStoreFrom(env.config);
    const chainId = randomUUID();
    for (const subject of ['drill:audit-chain:1', 'drill:audit-chain:2']) {
      await auditAction(env.pool, {
        action: 'drill.canary',
        userId: chainId,
        subject,
        at: env.now(),
        actor: 'drill',
      });
    }
    const client = await env.pool.connect();
    try {
      const { written } = await checkpointAuditLog(client, {
        store,
        signer: await loadCheckpointSigner(env.config),
        now: env.now(),
      });
      if (!written) throw new Error('the audit log does not verify before the fault');
    } finally {
      client.release();
    }
    return { chainId };
  },
  inject: (target) => ({
    standIn: 'audit',
    mode: 'delete-last-of',
    args: { chain: target.chainId! },
  }),
  // The alert names the first break it finds: the drill's chain, as nothing else is broken.
  matches: (labels, target) => labels.chainId === target.chainId,
  clearBeforeResolution: true,
  faultEnds: 'the rows restored from the backup',
};
