import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  exportReceiptPublicKey,
  importReceiptPublicKey,
  receiptSignerFrom,
  signReceipt,
  verifyReceipt,
} from './receipt.ts';
import { sampleReceiptBody } from '../../testkit/receipt.ts';

const body = sampleReceiptBody;

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
