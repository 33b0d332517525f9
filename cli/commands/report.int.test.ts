import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../testkit/chromium.ts';
import { writeCapacityReport } from './report.ts';

// The capacity report from a (small, hand-made) set of load results: Markdown states measured
// vs modelled, and the HTML opens in headless Chromium with every chart drawn, no console error.
let dir: string;
const run = (scenario: string, figures: Record<string, number | string>, extra: object = {}) => ({
  scenario,
  mode: 'smoke',
  target: 'local staging',
  startedAt: '2026-11-30T11:00:00.000Z',
  wallSeconds: 12,
  artilleryExitCode: 0,
  figures,
  gates: [{ name: 'a gate', pass: true, detail: 'ok' }],
  ...extra,
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigie-report-'));
  await mkdir(path.join(dir, 'results'));
  const results = [
    run('scrape', { executionP50Ms: 3200, executionP95Ms: 4100 }),
    run('enrichment', {
      succeeded: 10,
      avgInputTokens: 40,
      avgCacheReadTokens: 100,
      avgOutputTokens: 120,
      costUsd: 0.0007,
    }),
    run(
      'api',
      { p50Ms: 12, p95WithFailuresMs: 40 },
      {
        machine: { cores: 2, loadAverageStart: 9.5, loadAverageEnd: 11.25 },
        steps: [
          {
            users: 10,
            throughputPerSecond: 300,
            p50Ms: 10,
            p95Ms: 20,
            p95WithFailuresMs: 20,
            failures: 0,
          },
          {
            users: 25,
            throughputPerSecond: 600,
            p50Ms: 15,
            p95Ms: 35,
            p95WithFailuresMs: 35,
            failures: 0,
          },
        ],
      },
    ),
  ];
  for (const r of results)
    await writeFile(path.join(dir, 'results', `${r.scenario}.json`), JSON.stringify(r));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('vigie report capacity', () => {
  it('writes Markdown and HTML: each customer count, measured vs modelled, sourced limits; every chart renders in Chromium', async () => {
    const written = await writeCapacityReport({
      outDir: dir,
      resultsDir: path.join(dir, 'results'),
      command: 'npx vigie report capacity --out test',
      now: new Date('2026-11-30T12:00:00Z'),
    });
    const md = await readFile(written.markdown, 'utf8');
    for (const n of [10, 50, 100, 200]) expect(md).toContain(`### ${n} customers`);
    expect(md).toContain('**Measured vs modelled.**');
    expect(md).toContain('3.2 (measured)');
    // A shared machine says so next to the run it slowed.
    expect(md).toContain(
      'Machine: 2 cores, 1-minute load average 9.5 at the start and 11.25 at the end — more runnable work than cores',
    );
    expect(md).toContain('https://docs.n8n.io/manage-cloud/concurrency/');
    expect(written.report.charts.map((c) => c.id)).toEqual([
      'latency-vs-users',
      'cost-vs-customers',
      'headroom-per-provider',
    ]);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`file://${written.html}`);
      const drawn = await page.evaluate(() =>
        [...document.querySelectorAll('canvas')].map((canvas) => {
          const chart = (
            window as unknown as {
              Chart: {
                getChart(c: HTMLCanvasElement): { data: { datasets: unknown[] } } | undefined;
              };
            }
          ).Chart.getChart(canvas);
          // Pixels that are not transparent: the chart drew something.
          const ctx = canvas.getContext('2d')!;
          const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted += 1;
          return { id: canvas.id, datasets: chart?.data.datasets.length ?? 0, painted };
        }),
      );
      expect(problems).toEqual([]);
      expect(drawn.map((d) => d.id)).toEqual([
        'latency-vs-users',
        'cost-vs-customers',
        'headroom-per-provider',
      ]);
      for (const d of drawn) {
        expect(d.datasets, d.id).toBeGreaterThan(0);
        expect(d.painted, d.id).toBeGreaterThan(1000);
      }
    } finally {
      await browser.close();
    }
  }, 60_000);
});
