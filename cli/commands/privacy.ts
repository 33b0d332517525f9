import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadReceiptSigner } from '../../adapters/privacy/receipt-key.ts';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import {
  type SignedErasureReceipt,
  exportReceiptPublicKey,
  importReceiptPublicKey,
  verifyReceipt,
} from '../../core/privacy/receipt.ts';

/**
 * The `privacy` command group: `verify-receipt <file|->` checks an erasure receipt's Ed25519
 * signature, `receipt-key` prints the public key to hand to whoever must verify receipts.
 * Other privacy subcommands (deadlines, export, …) join this group from their own modules.
 */
export function register(program: Command): void {
  const privacy =
    program.commands.find((c) => c.name() === 'privacy') ??
    program.command('privacy').description('GDPR requests: erasure, export, deadlines');

  privacy
    .command('verify-receipt')
    .description('Check an erasure receipt (a file, or - for stdin) against the receipt public key')
    .argument('<file>', 'receipt JSON (or the DELETE / status response holding it); - reads stdin')
    .option(
      '--public-key <key>',
      'Ed25519 public key: base64url (as `vigie privacy receipt-key` prints), or a PEM file path; default: the key from RECEIPT_SIGNING_KEY or local staging',
    )
    .action(async (file: string, options: { publicKey?: string }) => {
      const text = file === '-' ? await readStdin() : await readReceiptFile(file);
      const summary = await verifyReceiptText(text, options.publicKey);
      process.stdout.write(`${summary}\n`);
    });

  privacy
    .command('receipt-key')
    .description('Print the public key that verifies erasure receipts (base64url, Ed25519)')
    .action(async () => {
      const signer = await loadReceiptSigner(parseConfig(process.env));
      process.stdout.write(`${exportReceiptPublicKey(signer.publicKey)}\n`);
    });
}

/** Verifies receipt JSON text; resolves to a one-line summary or throws a VigieError saying why. */
export async function verifyReceiptText(text: string, publicKeyOption?: string): Promise<string> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new VigieError('BAD_REQUEST', 'The receipt is not valid JSON.');
  }
  // Accept the API's answers as they come: `{status, requestId, receipt}` or the status view.
  if (isObject(document) && document.type === undefined && isObject(document.receipt)) {
    document = document.receipt;
  }
  const publicKey = await resolvePublicKey(publicKeyOption);
  const verdict = verifyReceipt(document, publicKey);
  if (!verdict.ok) throw new VigieError('BAD_REQUEST', `Receipt rejected: ${verdict.reason}.`);
  return describeReceipt(verdict.receipt);
}

/** One line a person reads: what the receipt says was removed (counts and ids, no data). */
export function describeReceipt(r: SignedErasureReceipt): string {
  const { postgres, upstash, n8n } = r.stores;
  const rows =
    postgres.prospectsDeleted + postgres.campaignMembershipsDeleted + postgres.emailEventsDeleted;
  return (
    `Receipt OK (Ed25519, key ${r.signature.keyId}): request ${r.requestId}, prospect ${r.prospectId}, ` +
    `completed ${r.completedAt}. Removed: Postgres ${rows} rows (+${postgres.meetingsAnonymized} meetings anonymized), ` +
    `Upstash ${upstash.keysRemoved.length} keys and ${upstash.queueEntriesRemoved} queue entries, ` +
    `n8n ${n8n.executionsDeleted.length} executions. Verification: ${r.verification.totalHits} hits.`
  );
}

async function resolvePublicKey(option: string | undefined) {
  try {
    if (option === undefined) {
      return (await loadReceiptSigner(parseConfig(process.env))).publicKey;
    }
    const text =
      option.includes('/') || option.endsWith('.pem') ? await readFile(option, 'utf8') : option;
    return importReceiptPublicKey(text);
  } catch (error) {
    if (error instanceof VigieError) throw error;
    throw new VigieError(
      'BAD_REQUEST',
      `--public-key is not an Ed25519 public key (base64url of 32 bytes, or an SPKI PEM file): ${(error as Error).message}`,
    );
  }
}

async function readReceiptFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    throw new VigieError(
      'BAD_REQUEST',
      `Cannot read ${file}: give a receipt JSON file, or - for stdin.`,
    );
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
