/**
 * A `prometheus` child process for local staging: Debian's package (installed when absent, as
 * redis-server is), scraping the OTLP stand-in's `/metrics` every `scrapeIntervalSeconds`.
 *
 * Why scraping: Debian bookworm ships Prometheus 2.42, and the OTLP receiver
 * (`--enable-feature=otlp-write-receiver`) arrived in 2.47. The OTLP stand-in translates names
 * with the same rules Grafana Cloud applies (core/prometheus-names.ts), so what this Prometheus
 * stores carries the names Grafana Cloud stores; `honor_labels` keeps the `job`/`instance` the
 * stand-in derived from `service.name`/`service.instance.id` (docs/otlp-prometheus-names.md).
 *
 * Listens on 127.0.0.1 only; its TSDB lives in `dataDir`; stop() waits for the process to exit
 * and a parent exit kills it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VigieError } from '../core/errors.ts';
import { collectTail, freePort, stopChild } from './child-process.ts';
import { findOrInstall } from './debian-package.ts';

export interface PrometheusServerOptions {
  dataDir: string;
  /** `host:port` targets whose `/metrics` it scrapes. */
  scrapeTargets: string[];
  scrapeIntervalSeconds?: number;
  port?: number;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface PrometheusServer {
  /** Base URL: the HTTP API under `/api/v1`, the graph page at `/graph`. */
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const HOW_TO_INSTALL =
  'prometheus is not installed. Install it (Debian/Ubuntu: `sudo apt-get install -y prometheus`), ' +
  'or set PROMETHEUS_QUERY_URL to a Prometheus you already run.';

/** The scrape configuration, in YAML (JSON is YAML): one job, honouring exposed labels. */
export function prometheusConfig(targets: string[], intervalSeconds: number): string {
  return JSON.stringify({
    global: { scrape_interval: `${intervalSeconds}s`, evaluation_interval: '15s' },
    scrape_configs: [
      {
        job_name: 'otlp',
        honor_labels: true,
        scrape_interval: `${intervalSeconds}s`,
        scrape_timeout: `${Math.max(1, intervalSeconds - 1)}s`,
        static_configs: [{ targets }],
      },
    ],
  });
}

export async function startPrometheusServer(
  options: PrometheusServerOptions,
): Promise<PrometheusServer> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const binary = findOrInstall({
    binary: 'prometheus',
    debianPackage: 'prometheus',
    howToInstall: HOW_TO_INSTALL,
    env,
    log,
  });
  mkdirSync(join(options.dataDir, 'data'), { recursive: true });
  const configFile = join(options.dataDir, 'prometheus.yml');
  writeFileSync(
    configFile,
    prometheusConfig(options.scrapeTargets, options.scrapeIntervalSeconds ?? 2),
  );
  const port = options.port ?? (await freePort());
  const child = spawn(
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(options.dataDir, 'data')}`,
      '--storage.tsdb.retention.time=15d',
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  const output = collectTail(child);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
    for (;;) {
      if (spawnError) throw spawnError;
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`prometheus exited (${String(child.exitCode ?? child.signalCode)})`);
      }
      if (await ready(url)) break;
      if (Date.now() > deadline) throw new Error('no answer from /-/ready in time');
      await sleep(100);
    }
  } catch (error) {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    throw new VigieError(
      'UNAVAILABLE',
      `prometheus did not start on 127.0.0.1:${port}: ${(error as Error).message}\n${output()}`,
      { cause: error },
    );
  }
  log(`prometheus ${String(child.pid)} ready on ${url}`);
  return {
    url,
    pid: child.pid as number,
    async stop() {
      process.removeListener('exit', killOnExit);
      await stopChild(child);
    },
  };
}

async function ready(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
