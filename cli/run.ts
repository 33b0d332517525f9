import type { Command } from 'commander';
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
      process.stderr.write(logLine('vigie: unexpected error'));
      // The message on one escaped line (it may quote outside input), then the stack's frames.
      if (error instanceof Error) {
        process.stderr.write(logLine(`${error.name}: ${error.message}`));
        const frames = (error.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
        for (const frame of frames) process.stderr.write(logLine(frame));
      } else {
        process.stderr.write(logLine(String(error)));
      }
      process.exitCode = 2;
    }
    // Exit now: a library's exit hook (or a half-started server) must not turn this into 0.
    process.exit(process.exitCode);
  }
}
