import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';

/**
 * `vigie gameday [--customers 50] [--prospects 2000] [--only a,b] [--commit]`: a fresh local
 * staging (embedded Postgres and redis-server in a new state dir, unless DATABASE_URL/REDIS_URL
 * are set), every drill, the privacy check, a load smoke and the readiness report in
 * `<VIGIE_STATE_DIR>/gameday/`; `--commit` also copies it to `runbooks/readiness.md`.
 */
export function register(program: Command): void {
  program
    .command('gameday')
    .description('Fresh local staging, every drill, privacy check, load smoke, readiness report')
    .option('--customers <n>', 'seeded customers', '50')
    .option('--prospects <n>', 'seeded prospects per customer', '2000')
    .option('--only <drills>', 'comma-separated drill ids')
    .option('--commit', 'also write runbooks/readiness.md')
    .action(
      async (o: { customers: string; prospects: string; only?: string; commit?: boolean }) => {
        const customers = Number(o.customers);
        const prospects = Number(o.prospects);
        if (
          !Number.isInteger(customers) ||
          customers < 1 ||
          !Number.isInteger(prospects) ||
          prospects < 1
        ) {
          throw new VigieError(
            'BAD_REQUEST',
            '--customers and --prospects must be positive integers.',
          );
        }
        // The game day always runs a local staging: its stage needs no setting.
        const base = parseConfig({
          ...process.env,
          VIGIE_STAGE: process.env.VIGIE_STAGE || 'local',
        }).VIGIE_STATE_DIR;
        // A fresh clone has no state dir yet.
        await mkdir(path.resolve(base), { recursive: true });
        const stateDir = await mkdtemp(path.join(path.resolve(base), 'gameday-staging-'));
        const outDir = path.join(path.resolve(base), 'gameday');
        const command = `npx vigie gameday --customers ${customers} --prospects ${prospects}${o.only ? ` --only ${o.only}` : ''}${o.commit ? ' --commit' : ''}`;
        // Loaded here: the game day brings the whole staging and a browser driver.
        const { runGameday } = await import('../../runbooks/gameday/run.ts');
        try {
          const result = await runGameday({
            stateDir,
            outDir,
            env: { ...process.env, VIGIE_STATE_DIR: stateDir },
            seedSize: { customers, prospectsPerCustomer: prospects },
            command,
            out: (line) => process.stdout.write(`${line}\n`),
            ...(o.only ? { only: o.only.split(',').map((s) => s.trim()) } : {}),
          });
          if (o.commit) {
            const target = fileURLToPath(new URL('../../runbooks/readiness.md', import.meta.url));
            await copyFile(result.files.markdown, target);
            const { recordLastDrilled, writeIndex } = await import('../../runbooks/library.ts');
            const passed = result.input.journals.flatMap((j) =>
              j.status === 'passed'
                ? [
                    {
                      runbook: j.runbook,
                      detectMs: j.timeToDetectMs ?? 0,
                      recoverMs: j.timeToRecoverMs ?? 0,
                      stagingDetectMs: j.stagingTimeToDetectMs ?? 0,
                      stagingRecoverMs: j.stagingTimeToRecoverMs ?? 0,
                    },
                  ]
                : [],
            );
            await recordLastDrilled(passed, result.input.date, customers);
            await writeIndex();
            process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
          }
          const failed = result.input.journals.filter((j) => j.status !== 'passed').length;
          if (failed > 0 || !result.input.privacy.ok || !result.htmlCheck.ok) process.exitCode = 1;
        } finally {
          await rm(stateDir, { recursive: true, force: true });
        }
      },
    );
}
