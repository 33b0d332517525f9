import type { Command } from 'commander';
import { VigieError } from '../../core/errors.ts';

/**
 * `vigie infra plan --stack <s> [--json]`: the Pulumi program under Pulumi's mocks (no CLI,
 * no cloud, no credentials), printing what `pulumi up` would create.
 * `vigie infra secrets --stack <s>`: the `pulumi config set --secret …` lines still missing
 * from `Pulumi.<s>.yaml`, from core/config.ts's list of secrets.
 */
export function register(program: Command): void {
  const infra = program
    .command('infra')
    .description('The Pulumi program: plan under mocks, missing secrets');

  infra
    .command('plan')
    .description('Run the Pulumi program under mocks and print what `pulumi up` would create')
    .requiredOption('--stack <stack>', 'staging or prod')
    .option('--json', 'print the resources and their inputs as JSON')
    .action(async (options: { stack: string; json?: boolean }) => {
      const { planStack } = await import('../../infra/plan.ts');
      const { summarise } = await import('../../infra/plan-summary.ts');
      const plan = await guard(() => planStack(options.stack, { root: process.cwd() }));
      if (options.json) {
        process.stdout.write(
          `${JSON.stringify({ stack: plan.stack, resources: plan.resources }, null, 2)}\n`,
        );
        return;
      }
      for (const line of summarise(plan)) process.stdout.write(`${line}\n`);
    });

  infra
    .command('secrets')
    .description('Print the `pulumi config set --secret` commands a stack still needs')
    .requiredOption('--stack <stack>', 'staging or prod')
    .action(async (options: { stack: string }) => {
      const { readStackFile } = await import('../../infra/stack-files.ts');
      const { missingSecrets } = await import('../../infra/config.ts');
      const file = await guard(() => readStackFile(process.cwd(), options.stack));
      const lines = missingSecrets(file.secretNames, options.stack);
      if (lines.length === 0) {
        process.stdout.write(`Stack ${options.stack} has every secret set.\n`);
        return;
      }
      process.stdout.write(
        `# Stack ${options.stack}: ${lines.filter((l) => !l.endsWith('# optional')).length} required secret(s) missing\n`,
      );
      for (const line of lines) process.stdout.write(`${line}\n`);
    });
}

/** Stack-file and config problems are the operator's to fix: shown as a message, exit 1. */
async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (
      error instanceof Error &&
      (error.name === 'StackConfigError' || error.message.startsWith('No Pulumi.'))
    ) {
      throw new VigieError('CONFIG_INVALID', error.message);
    }
    throw error;
  }
}
