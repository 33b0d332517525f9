import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './run.ts';

/** Runs a one-command program whose action throws `thrown`; returns what reached stderr. */
async function failWith(thrown: unknown): Promise<{ stderr: string; code: unknown }> {
  let stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  // runCli exits at once on failure; stop at that point instead of ending the test worker.
  const exit = vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
    throw new ExitCalled(code);
  }) as never);
  const program = new Command('vigie').exitOverride();
  program.command('boom').action(() => {
    throw thrown;
  });
  const code = await runCli(program, ['node', 'vigie', 'boom']).then(
    () => 'no exit',
    (e: unknown) => (e instanceof ExitCalled ? e.code : e),
  );
  expect(exit).toHaveBeenCalledTimes(1);
  vi.restoreAllMocks();
  return { stderr, code };
}

class ExitCalled extends Error {
  readonly code: number | undefined;
  constructor(code: number | undefined) {
    super('exit');
    this.code = code;
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('runCli error printing', () => {
  it('never prints "undefined", whatever was thrown', async () => {
    for (const thrown of [undefined, null, '', new Error(''), {}]) {
      const { stderr, code } = await failWith(thrown);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^vigie: unexpected error: \S/);
      expect(stderr).not.toMatch(/(^|\n)undefined(\n|$)|: undefined/);
    }
  });

  it('prints a Vigie error as its message and exits 1', async () => {
    const { VigieError } = await import('../core/errors.ts');
    const { stderr, code } = await failWith(new VigieError('CONFIG_INVALID', 'Set X.'));
    expect(code).toBe(1);
    expect(stderr).toBe('vigie: Set X.\n');
  });
});
