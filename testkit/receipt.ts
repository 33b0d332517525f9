import { type ErasureReceiptBody, RECEIPT_TYPE } from '../core/privacy/receipt.ts';

/** A completed erasure's receipt body, ids only, for the receipt and CLI tests. */
export const sampleReceiptBody: ErasureReceiptBody = {
  type: RECEIPT_TYPE,
  requestId: '6f1c1a52-6a52-4f55-9d8e-4a8f2b1f0c11',
  userId: '0b6f3c0e-0f5e-4b7a-9a39-6a1d9a8a2e01',
  prospectId: '2a6b2b36-3f7c-4f4e-8f55-0e4b7d4c1d22',
  prospectIds: ['2a6b2b36-3f7c-4f4e-8f55-0e4b7d4c1d22'],
  requestedAt: '2026-03-01T10:00:00.000Z',
  dueAt: '2026-04-01T21:59:59.999Z',
  completedAt: '2026-03-01T10:00:00.120Z',
  stores: {
    postgres: {
      prospectsDeleted: 1,
      prospectIds: ['2a6b2b36-3f7c-4f4e-8f55-0e4b7d4c1d22'],
      campaignMembershipsDeleted: 2,
      emailEventsDeleted: 5,
      meetingsAnonymized: 0,
      enrichmentDeleted: true,
    },
    upstash: { keysRemoved: ['a', 'b'], keysAbsent: [], emailJobIds: [], queueEntriesRemoved: 0 },
    n8n: { executionsDeleted: ['7'], executionsAlreadyGone: [], ledgerEntriesRemoved: 1 },
    suppression: { kinds: ['email'] },
  },
  verification: { at: '2026-03-01T10:00:00.110Z', checks: [], totalHits: 0 },
  residualWindows: [],
};
