import type { Command } from 'commander';
import { z } from 'zod';
import { VigieError } from '../../core/errors.ts';
import { verifyAuditChain } from '../../adapters/privacy/audit-chain.ts';
import { poolFromEnv } from './migrate.ts';

/** `vigie audit verify [--user <uuid>] [--json]`: recomputes the audit_log hash chains. */
export function register(program: Command): void {
  const audit = program.command('audit').description('The hash-chained, append-only audit trail');
  audit
    .command('verify')
    .description('Recompute every link of the audit_log hash chains; report the first broken link')
    .option('--user <uuid>', "only this user's chain")
    .option('--json', 'print the result as JSON')
    .action(async (options: { user?: string; json?: boolean }) => {
      if (options.user !== undefined && !z.uuid().safeParse(options.user).success) {
        throw new VigieError('BAD_REQUEST', `--user must be a UUID (got "${options.user}").`);
      }
      const pool = poolFromEnv(process.env);
      const client = await pool.connect();
      try {
        const result = await verifyAuditChain(
          client,
          options.user === undefined ? {} : { userId: options.user },
        );
        const out = (line: string) => process.stdout.write(`${line}\n`);
        if (options.json) {
          out(JSON.stringify(result, null, 2));
        } else {
          out(`${result.rowsChecked} rows in ${result.chainsChecked} chains checked`);
          for (const b of result.breaks) {
            out(
              `BROKEN chain ${b.userId}: first broken link at id ${b.id} (seq ${b.seq}): ${describe(b.reason)}`,
            );
          }
          if (result.ok) out('OK: every link verifies');
        }
        if (!result.ok) process.exitCode = 1;
      } finally {
        client.release();
        await pool.end();
      }
    });
}

function describe(reason: string): string {
  switch (reason) {
    case 'seq_gap':
      return 'a row before it is missing';
    case 'prev_hash_mismatch':
      return 'it does not link to the previous row (that row was rewritten)';
    default:
      return 'its content no longer matches its hash (the row was altered)';
  }
}
