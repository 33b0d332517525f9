import { commandClock } from '../../core/staging-time.ts';
import type { Command } from 'commander';
import { collectorWirings, isRunnable, loadRunner } from '../../collectors/registry.ts';
import { collectors } from '../../core/catalog/collectors.ts';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';

/** `vigie run <collector> [--at <iso>]`: runs one collector tick now and prints its summary. */
export function register(program: Command): void {
  program
    .command('run')
    .description('Run one scheduled collector now and print its summary (JSON)')
    .argument('<collector>', `one of: ${collectors.map((c) => c.name).join(', ')}`)
    .option('--at <iso>', 'the tick time (default: now), e.g. 2026-11-30T07:00:00Z')
    .action(async (name: string, options: { at?: string }) => {
      if (!isRunnable(name)) {
        const runnable = Object.keys(collectorWirings).join(', ');
        throw new VigieError(
          'BAD_REQUEST',
          `Unknown or not runnable collector "${name}": use one of ${runnable}.`,
        );
      }
      const now =
        options.at === undefined
          ? commandClock(parseConfig(process.env)).now()
          : new Date(options.at);
      if (Number.isNaN(now.getTime())) {
        throw new VigieError(
          'BAD_REQUEST',
          `--at must be an ISO date-time, e.g. 2026-11-30T07:00:00Z.`,
        );
      }
      const summary = await (await loadRunner(name))(parseConfig(process.env), now);
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      if (summary.status === 'degraded') process.exitCode = 3;
    });
}
