import type { Command } from 'commander';
import * as z from 'zod';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { verifyAuditChain, type VerifyResult } from '../../adapters/privacy/audit-chain.ts';
import {
  checkpointAuditLog,
  verifyAnchoredAuditLog,
  type AnchoredVerifyResult,
} from '../../adapters/privacy/audit-anchor.ts';
import {
  checkpointStoreFrom,
  loadCheckpointSigner,
} from '../../adapters/privacy/checkpoint-config.ts';
import { poolFromEnv } from './migrate.ts';

/**
 * `vigie audit verify [--user <uuid>] [--json] [--no-anchor]`: recomputes the audit_log hash
 * chains and checks them against the latest signed checkpoint (a deleted tail, a row rewritten
 * with a recomputed hash). `vigie audit checkpoint`: verifies, then signs and stores the heads.
 */
export function register(program: Command): void {
  const audit = program.command('audit').description('The hash-chained, append-only audit trail');
  const out = (line: string) => process.stdout.write(`${line}\n`);
  audit
    .command('verify')
    .description(
      'Recompute every link of the audit_log hash chains and compare the heads with the latest signed checkpoint',
    )
    .option('--user <uuid>', "only this user's chain")
    .option('--json', 'print the result as JSON')
    .option('--no-anchor', 'skip the checkpoint comparison (links only)')
    .action(async (options: { user?: string; json?: boolean; anchor: boolean }) => {
      if (options.user !== undefined && !z.uuid().safeParse(options.user).success) {
        throw new VigieError('BAD_REQUEST', `--user must be a UUID (got "${options.user}").`);
      }
      const anchor = options.anchor ? await anchorFromEnv() : undefined;
      const pool = poolFromEnv(process.env);
      const client = await pool.connect();
      try {
        const userId = options.user === undefined ? {} : { userId: options.user };
        const result: AnchoredVerifyResult | VerifyResult = anchor
          ? await verifyAnchoredAuditLog(client, {
              store: anchor.store,
              publicKey: anchor.signer.publicKey,
              ...userId,
            })
          : await verifyAuditChain(client, userId);
        if (options.json) out(JSON.stringify(result, null, 2));
        else printResult(out, result, anchor?.store.description);
        if (!result.ok) process.exitCode = 1;
      } finally {
        client.release();
        await pool.end();
      }
    });

  audit
    .command('checkpoint')
    .description(
      'Verify the audit log, then sign its chain heads and store them outside the database',
    )
    .action(async () => {
      const anchor = await anchorFromEnv();
      const pool = poolFromEnv(process.env);
      const client = await pool.connect();
      try {
        const { result, written } = await checkpointAuditLog(client, {
          store: anchor.store,
          signer: anchor.signer,
          now: new Date(),
        });
        if (written === null) {
          printResult(out, result, anchor.store.description);
          throw new VigieError(
            'CONFLICT',
            'No checkpoint written: the audit log does not verify, and a tampered log is never anchored. See runbooks/audit-chain.md.',
          );
        }
        out(
          `checkpoint ${written.createdAt}: ${written.heads.length} chain heads signed (key ${written.signature.keyId}), stored in ${anchor.store.description}`,
        );
      } finally {
        client.release();
        await pool.end();
      }
    });
}

async function anchorFromEnv() {
  const config = parseConfig(process.env);
  return { signer: await loadCheckpointSigner(config), store: checkpointStoreFrom(config) };
}

function printResult(
  out: (line: string) => void,
  result: AnchoredVerifyResult | VerifyResult,
  store: string | undefined,
): void {
  const chain = 'chain' in result ? result.chain : result;
  out(`${chain.rowsChecked} rows in ${chain.chainsChecked} chains checked`);
  for (const b of chain.breaks) {
    out(
      `BROKEN chain ${b.userId}: first broken link at id ${b.id} (seq ${b.seq}): ${describe(b.reason)}`,
    );
  }
  if ('chain' in result) {
    if (result.checkpointInvalid) {
      out(`BROKEN anchor: the latest entry in ${store} is not a checkpoint signed by our key`);
    } else if (result.checkpoint === null) {
      out(
        `no checkpoint yet in ${store}: run \`vigie audit checkpoint\` (the collector does hourly)`,
      );
    } else {
      out(
        `checkpoint ${result.checkpoint.createdAt} (${result.checkpoint.heads} heads, key ${result.checkpoint.keyId}) from ${store}`,
      );
    }
    for (const b of result.anchorBreaks) {
      out(`BROKEN chain ${b.userId} against the checkpoint at seq ${b.seq}: ${describe(b.reason)}`);
    }
  }
  if (result.ok) out('OK: every link verifies');
}

function describe(reason: string): string {
  switch (reason) {
    case 'seq_gap':
      return 'a row before it is missing';
    case 'prev_hash_mismatch':
      return 'it does not link to the previous row (that row was rewritten)';
    case 'chain_missing':
      return 'the whole chain is gone (rows were deleted)';
    case 'chain_truncated':
      return 'the chain now ends before the signed head (its last rows were deleted)';
    case 'head_mismatch':
      return 'the row at the signed head differs (rewritten, hash recomputed)';
    default:
      return 'its content no longer matches its hash (the row was altered)';
  }
}
