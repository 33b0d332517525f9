import type { Command } from 'commander';
import * as z from 'zod';
import { extendDeadline, listOpenRequests } from '../../adapters/privacy/deadlines.ts';
import { VigieError } from '../../core/errors.ts';
import { poolFromEnv } from './migrate.ts';

/**
 * `vigie privacy deadlines [--json] [--now <iso>]` and `vigie privacy extend <requestId>
 * --reason <slug>`. Joins the `privacy` group (cli/commands/privacy.ts), creating it if that
 * module is not registered before this one.
 */
export function register(program: Command): void {
  const privacy =
    program.commands.find((c) => c.name() === 'privacy') ??
    program.command('privacy').description('GDPR requests: erasure, export, deadlines');

  privacy
    .command('deadlines')
    .description('Open requests with their Art. 12 due date (calendar months), soonest first')
    .option('--json', 'print JSON')
    .option('--now <iso>', 'evaluate at this instant instead of now (drills)')
    .action(async (options: { json?: boolean; now?: string }) => {
      const now = parseNow(options.now);
      const pool = poolFromEnv(process.env);
      try {
        const open = await listOpenRequests(pool, now);
        const out = (line: string) => process.stdout.write(`${line}\n`);
        if (options.json) {
          out(JSON.stringify(open, null, 2));
          return;
        }
        if (open.length === 0) {
          out('No open requests. (Exports are answered at once, so only erasures can be open.)');
          return;
        }
        out(
          'due        left  state     kind     request                               status   extended',
        );
        for (const r of open) {
          const state = r.state.overdue ? 'OVERDUE' : r.state.daysLeft <= 7 ? 'due soon' : 'ok';
          out(
            [
              r.deadline.dueOn,
              `${r.state.daysLeft}d`.padStart(5),
              state.padEnd(9),
              r.kind.padEnd(8),
              r.id.padEnd(37),
              r.status.padEnd(8),
              r.extensionReason ?? '-',
            ].join(' '),
          );
        }
        const overdue = open.filter((r) => r.state.overdue).length;
        out(`${open.length} open, ${overdue} overdue`);
        if (overdue > 0) process.exitCode = 1;
      } finally {
        await pool.end();
      }
    });

  privacy
    .command('extend')
    .description('Extend an erasure request by two months (Art. 12(3)); tell the person why')
    .argument('<requestId>', 'erasure request id')
    .requiredOption('--reason <slug>', 'why, as a slug (e.g. complex_request)')
    .action(async (requestId: string, options: { reason: string }) => {
      if (!z.uuid().safeParse(requestId).success) {
        throw new VigieError('BAD_REQUEST', `requestId must be a UUID (got "${requestId}").`);
      }
      const pool = poolFromEnv(process.env);
      try {
        const d = await extendDeadline(pool, {
          requestId,
          reason: options.reason,
          now: new Date(),
        });
        process.stdout.write(`extended: now due ${d.dueOn} (end of day, Europe/Paris)\n`);
      } finally {
        await pool.end();
      }
    });
}

function parseNow(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) {
    throw new VigieError('BAD_REQUEST', `--now must be an ISO 8601 date-time (got "${text}").`);
  }
  return d;
}
