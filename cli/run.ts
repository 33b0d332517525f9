import type { Command } from 'commander';
import { describeError } from '../core/describe-error.ts';
import { isVigieError } from '../core/errors.ts';
import { logLine } from '../core/log-line.ts';

/**
 * Runs the program and maps errors once: a `VigieError` prints its message (written to say how
 * to fix the problem) and exits 1; anything else prints its stack and exits 2.
 */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (isVigieError(error)) {
      process.stderr.write(logLine(`vigie: ${error.message}`));
      process.exitCode = 1;
    } else {
      // Anything can be thrown, `undefined` included: say what it was, never a bare "undefined";
      // then the stack's frames, each on its own escaped line.
      process.stderr.write(logLine(`vigie: unexpected error: ${describeError(error)}`));
      if (error instanceof Error) {
        const frames = (error.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
        for (const frame of frames) process.stderr.write(logLine(frame));
      }
      process.exitCode = 2;
    }
    // Exit now: a library's exit hook (or a half-started server) must not turn this into 0.
    process.exit(process.exitCode);
  }
}
