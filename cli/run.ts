import type { Command } from 'commander';
import { isVigieError } from '../core/errors.ts';

/**
 * Runs the program and maps errors once: a `VigieError` prints its message (written to say how
 * to fix the problem) and exits 1; anything else prints its stack and exits 2.
 */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (isVigieError(error)) {
      process.stderr.write(`vigie: ${error.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(
        `vigie: unexpected error\n${error instanceof Error ? error.stack : String(error)}\n`,
      );
      process.exitCode = 2;
    }
    // Exit now: a library's exit hook (or a half-started server) must not turn this into 0.
    process.exit(process.exitCode);
  }
}
