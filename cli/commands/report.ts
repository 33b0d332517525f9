import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Command } from 'commander';
import { html, raw } from 'hono/html';
import { usageProfileFromSeed } from '../../core/capacity/profile.ts';
import {
  buildCapacityReport,
  type CapacityReport,
  capacityMarkdown,
  type MeasuredRun,
} from '../../core/capacity/report.ts';
import { DEFAULT_RESULTS_DIR } from './load.ts';

/** Reads every `<scenario>.json` a load run wrote; a missing directory means none. */
export async function readLoadResults(dir: string): Promise<MeasuredRun[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const runs: MeasuredRun[] = [];
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const parsed = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as Partial<MeasuredRun>;
    if (typeof parsed.scenario === 'string' && parsed.figures && Array.isArray(parsed.gates))
      runs.push(parsed as MeasuredRun);
  }
  return runs;
}

/**
 * The HTML page: the Markdown's tables as a pre-rendered block and one canvas per chart, drawn
 * by Chart.js inlined from the package (the file works offline, no CDN).
 */
export async function capacityHtml(report: CapacityReport, markdown: string): Promise<string> {
  const require = createRequire(import.meta.url);
  // The UMD build sits next to the package's main entry (dist/chart.cjs).
  const chartJs = await readFile(
    path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
    'utf8',
  );
  const specs = JSON.stringify(report.charts).replace(/</g, '\\u003c');
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Vigie capacity report</title>
        <style>
          body {
            font:
              15px/1.5 system-ui,
              sans-serif;
            margin: 2rem auto;
            max-width: 60rem;
            padding: 0 1rem;
            color: #1d1d1f;
          }
          figure {
            margin: 2rem 0;
          }
          pre {
            white-space: pre-wrap;
            background: #f5f5f7;
            padding: 1rem;
            font-size: 13px;
          }
        </style>
      </head>
      <body>
        <h1>Vigie capacity report</h1>
        <p>
          Generated ${report.generatedAt} with <code>${report.command}</code>. Charts: measured
          where the load runs measured, modelled otherwise (the report says which).
        </p>
        ${report.charts.map(
          (c) =>
            html`<figure>
              <figcaption>${c.title}</figcaption>
              <canvas id="${c.id}" width="900" height="380"></canvas>
            </figure>`,
        )}
        <pre>${markdown}</pre>
        <script>
          ${raw(chartJs)};
        </script>
        <script>
          for (const spec of ${raw(specs)}) {
            const options = {
              animation: false,
              responsive: false,
              plugins: { title: { display: true, text: spec.title } },
              ...spec.config.options,
            };
            new Chart(document.getElementById(spec.id), { ...spec.config, options });
          }
        </script>
      </body>
    </html>`;
  return String(await page);
}

export async function writeCapacityReport(options: {
  outDir: string;
  resultsDir: string;
  command: string;
  now?: Date;
}): Promise<{ markdown: string; html: string; report: CapacityReport }> {
  const runs = await readLoadResults(options.resultsDir);
  const report = buildCapacityReport({
    generatedAt: options.now ?? new Date(),
    command: options.command,
    profile: usageProfileFromSeed(),
    runs,
  });
  const markdown = capacityMarkdown(report);
  await mkdir(options.outDir, { recursive: true });
  const mdPath = path.join(options.outDir, 'capacity-report.md');
  const htmlPath = path.join(options.outDir, 'capacity-report.html');
  await writeFile(mdPath, markdown);
  await writeFile(htmlPath, await capacityHtml(report, markdown));
  return { markdown: mdPath, html: htmlPath, report };
}

export function register(program: Command): void {
  const report = program.command('report').description('Reports built from what Vigie measured');
  report
    .command('capacity')
    .description(
      'Capacity report for 10/50/100/200 customers: binding limit, headroom and monthly cost per provider, which plan to buy when (Markdown + HTML with charts)',
    )
    .option('--out <dir>', 'where capacity-report.md and .html go', '.')
    .option(
      '--results <dir>',
      'the load results to read (`npm run load` writes them)',
      DEFAULT_RESULTS_DIR,
    )
    .action(async (options: { out: string; results: string }) => {
      const written = await writeCapacityReport({
        outDir: options.out,
        resultsDir: options.results,
        command: `npx vigie report capacity --out ${options.out}`,
      });
      process.stdout.write(
        `wrote ${written.markdown} and ${written.html} (${written.report.runs.length} load results read)\n`,
      );
    });
}
