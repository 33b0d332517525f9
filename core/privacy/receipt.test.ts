import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ErasureReceiptBody,
  RECEIPT_TYPE,
  exportReceiptPublicKey,
  importReceiptPublicKey,
  receiptSignerFrom,
  signReceipt,
  verifyReceipt,
} from './receipt.ts';

const body: ErasureReceiptBody = {
  type: RECEIPT_TYPE,
  requestId: '6f1c1a52-6a52-4f55-9d8e-4a8f2b1f0c11',
  userId: '0b6f3c0e-0f5e-4b7a-9a39-6a1d9a8a2e01',
  prospectId: '2a6b2b36-3f7c-4f4e-8f55-0e4b7d4c1d22',
  requestedAt: '2026-03-01T10:00:00.000Z',
  dueAt: '2026-04-01T21:59:59.999Z',
  completedAt: '2026-03-01T10:00:00.120Z',
  stores: {
    postgres: {
      prospectsDeleted: 1,
      campaignMembershipsDeleted: 2,
      emailEventsDeleted: 5,
      meetingsAnonymized: 1,
      enrichmentDeleted: true,
    },
    upstash: {
      keysRemoved: ['app:enrich:2a6b2b36-3f7c-4f4e-8f55-0e4b7d4c1d22'],
      keysAbsent: [],
      emailJobIds: ['j1'],
      queueEntriesRemoved: 1,
    },
    n8n: { executionsDeleted: ['12'], executionsAlreadyGone: [], ledgerEntriesRemoved: 1 },
    suppression: { kinds: ['email', 'linkedin'] },
  },
  verification: { at: '2026-03-01T10:00:00.110Z', checks: [], totalHits: 0 },
  residualWindows: [],
};

const signer = receiptSignerFrom('a test secret that is long enough to use');

describe('erasure receipts', () => {
  it('derives the same key from the same secret and verifies its own signature', () => {
    expect(receiptSignerFrom('a test secret that is long enough to use').keyId).toBe(signer.keyId);
    const receipt = signReceipt(body, signer);
    const verdict = verifyReceipt(JSON.parse(JSON.stringify(receipt)), signer.publicKey);
    expect(verdict).toEqual({ ok: true, receipt });
  });

  it('verifies with the published raw public key, whatever the key order of the JSON', () => {
    const receipt = signReceipt(body, signer);
    const published = importReceiptPublicKey(exportReceiptPublicKey(signer.publicKey));
    const reordered = Object.fromEntries(Object.entries(receipt).reverse());
    expect(verifyReceipt(reordered, published).ok).toBe(true);
  });

  it('rejects a tampered receipt', () => {
    const receipt = signReceipt(body, signer);
    const tampered = structuredClone(receipt);
    tampered.stores.n8n.executionsDeleted = ['12', '13'];
    const verdict = verifyReceipt(tampered, signer.publicKey);
    expect(verdict).toEqual({
      ok: false,
      reason: 'the signature does not match the receipt content',
    });
  });

  it('rejects a receipt signed with another key, and junk', () => {
    const other = receiptSignerFrom('another secret, also long enough to use');
    const forged = signReceipt(body, other);
    const verdict = verifyReceipt(forged, signer.publicKey);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(/signed with key/);
    // Same key id claimed, signature from another key.
    const spoofed = { ...forged, signature: { ...forged.signature, keyId: signer.keyId } };
    expect(verifyReceipt(spoofed, signer.publicKey).ok).toBe(false);
    expect(verifyReceipt('nope', signer.publicKey).ok).toBe(false);
    expect(verifyReceipt({ ...body }, signer.publicKey)).toEqual({
      ok: false,
      reason: 'the receipt has no signature',
    });
  });

  it('accepts a PKCS#8 PEM signing key and refuses non-Ed25519 keys', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const fromPem = receiptSignerFrom(pem);
    expect(verifyReceipt(signReceipt(body, fromPem), fromPem.publicKey).ok).toBe(true);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() =>
      receiptSignerFrom(ec.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
    ).toThrow(/Ed25519/);
    expect(() => importReceiptPublicKey('c2hvcnQ')).toThrow(/32-byte/);
  });
});
