import type { Command } from 'commander';
import { retryErasure, verifyErasure } from '../../adapters/ops/erasure.ts';
import { loadReceiptSigner } from '../../adapters/privacy/receipt-key.ts';
import { withErasure } from '../../collectors/shared/erasure-wiring.ts';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { commandClock } from '../../core/staging-time.ts';
import { describeReceipt } from './privacy.ts';

/**
 * `vigie privacy erasure retry <requestId>` and `… verify <requestId>`: the privacy-erasure
 * runbook's actions once the provider that failed a step is fixed. Join the `privacy` group.
 */
export function register(program: Command): void {
  const privacy =
    program.commands.find((c) => c.name() === 'privacy') ??
    program.command('privacy').description('GDPR requests: erasure, export, deadlines');
  const erasure = privacy.command('erasure').description('Runbook actions on one erasure request');
  const out = (line: string) => process.stdout.write(`${line}\n`);

  erasure
    .command('retry')
    .description(
      'Make the unfinished steps of an erasure due now (a failed one too) and advance it at once; audited, safe to run twice',
    )
    .argument('<requestId>', 'erasure request id (the alert names it)')
    .action(async (requestId: string) => {
      const config = parseConfig(process.env);
      // Against a sped-up local staging its clock: the steps' retry times are in it.
      const now = commandClock(config).now();
      const result = await withErasure(config, 'vigie privacy erasure retry', (_db, base) =>
        retryErasure({ ...base, now }, requestId),
      );
      const { view } = result;
      if (result.before === 'completed') {
        out(`erasure ${requestId} is already completed: nothing to retry`);
        return;
      }
      out(
        `erasure ${requestId}: ${result.rescheduled.length > 0 ? `rescheduled ${result.rescheduled.join(', ')}` : 'nothing to reschedule (already due)'}; now ${view.status}`,
      );
      for (const s of view.steps.filter((x) => x.status !== 'completed')) {
        out(
          `  ${s.store}: ${s.status} after ${s.attempts} attempts${s.lastError ? ` (${s.lastError})` : ''}`,
        );
      }
      if (view.status === 'failed') process.exitCode = 1;
    });

  erasure
    .command('verify')
    .description(
      'Check that an erasure is completed, its signed receipt verifies and the prospect row is gone',
    )
    .argument('<requestId>', 'erasure request id')
    .option('--wait-seconds <n>', 'wait this long for a request another worker is finishing', '60')
    .action(async (requestId: string, options: { waitSeconds: string }) => {
      const waitSeconds = Number(options.waitSeconds);
      if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
        throw new VigieError('BAD_REQUEST', '--wait-seconds must be zero or a positive number.');
      }
      const config = parseConfig(process.env);
      const { publicKey } = await loadReceiptSigner(config);
      const deadline = Date.now() + waitSeconds * 1_000;
      const verdict = await withErasure(config, 'vigie privacy erasure verify', async (db) => {
        for (;;) {
          const v = await verifyErasure({ pool: db }, requestId, publicKey);
          // Only an open request is worth waiting for; a bad receipt stays bad.
          const open = !v.ok && v.view !== undefined && v.view.status === 'pending';
          if (!open || Date.now() >= deadline) return v;
          await new Promise((r) => setTimeout(r, 1_000));
        }
      });
      if (!verdict.ok) {
        throw new VigieError('CONFLICT', `Erasure ${requestId} not verified: ${verdict.reason}.`);
      }
      out(`${describeReceipt(verdict.receipt)} Prospect row gone.`);
    });
}
