import { checkpointStoreFrom } from '../adapters/privacy/checkpoint-config.ts';
import type { Drill } from './drills/types.ts';

/**
 * Someone with the owner's credentials deletes the last row of an audit chain (triggers
 * bypassed): the chain's links still verify, but it now ends before the head the latest
 * signed checkpoint holds → the hourly audit-anchor run raises `audit-chain-broken`. The row is
 * restored (the backup restore, outside vigie: the switch's clear puts it back), then the
 * runbook verifies the log and anchors it again.
 */
export const drill: Drill = {
  runbook: 'audit-chain',
  alert: 'audit-chain-broken',
  collector: 'audit-anchor',
  fault: 'the last row of a signed audit chain deleted with the owner credentials',
  deployedStaging: false,
  async target(env) {
    // The fault needs a signed checkpoint to tamper behind: the first hourly run writes one.
    const store = checkpointStoreFrom(env.config);
    const deadline = Date.now() + 30_000;
    while (!(await store.latest())) {
      if (Date.now() > deadline) throw new Error('no signed audit checkpoint within 30 s');
      await new Promise((r) => setTimeout(r, 500));
    }
    return {};
  },
  inject: () => ({ standIn: 'audit', mode: 'delete-last' }),
  // Nothing else tampers with a staging's audit log: any break is the drill's.
  matches: () => true,
  clearBeforeResolution: true,
  faultEnds: 'the rows restored from the backup',
};
