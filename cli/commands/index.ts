import type { Command } from 'commander';
import { register as alerts } from './alerts.ts';
import { register as audit } from './audit.ts';
import { register as dashboardsCmd } from './dashboards.ts';
import { register as dev } from './dev.ts';
import { register as diag } from './diag.ts';
import { register as gameday } from './gameday.ts';
import { register as infra } from './infra.ts';
import { register as load } from './load.ts';
import { register as migrate } from './migrate.ts';
import { register as monitors } from './monitors.ts';
import { register as ops } from './ops.ts';
import { register as privacy } from './privacy.ts';
import { register as privacyDeadlines } from './privacy-deadlines.ts';
import { register as privacyErasure } from './privacy-erasure.ts';
import { register as report } from './report.ts';
import { register as run } from './run.ts';
import { register as runbook } from './runbook.ts';
import { register as sandbox } from './sandbox.ts';
import { register as seed } from './seed.ts';
import { register as start } from './start.ts';

/** Each command module adds its subcommands to the program. Keep this list alphabetical. */
export const commands: Array<(program: Command) => void> = [
  alerts,
  audit,
  dashboardsCmd,
  dev,
  diag,
  gameday,
  infra,
  load,
  migrate,
  monitors,
  ops,
  privacy,
  privacyDeadlines,
  privacyErasure,
  report,
  run,
  runbook,
  sandbox,
  seed,
  start,
];
