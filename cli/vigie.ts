#!/usr/bin/env node
import { Command } from 'commander';
import { commands } from './commands/index.ts';
import { runCli } from './run.ts';

// npm scripts and npx run the Node 24 pinned in devDependencies (`node` package); a bare `node`
// may be older, and the SDKs Vigie uses need 22+.
if (Number(process.versions.node.split('.')[0]) < 24) {
  process.stderr.write(
    `vigie needs Node 24 (this is ${process.version}): run it through npx vigie or npm run.\n`,
  );
  process.exit(1);
}

// `npx vigie alerts list | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const program = new Command('vigie')
  .description('Production readiness for a one-person SaaS: monitoring, GDPR, drills, reports.')
  .showHelpAfterError();

for (const register of commands) register(program);

await runCli(program, process.argv);
