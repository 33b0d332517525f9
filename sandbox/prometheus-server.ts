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
 * Listens on 127.0.0.1 only; its TSDB lives in `dataDir`. Started, awaited and stopped by the
 * shared `child-server.ts`, as redis-server is.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChildServer } from './child-server.ts';
import { recoverPrometheus } from './leftovers.ts';

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
  const configFile = join(options.dataDir, 'prometheus.yml');
  const server = await startChildServer({
    binary: 'prometheus',
    debianPackage: 'prometheus',
    howToInstall: HOW_TO_INSTALL,
    prepare: async () => {
      mkdirSync(join(options.dataDir, 'data'), { recursive: true });
      await recoverPrometheus(options.dataDir, options.log ?? (() => {}));
      writeFileSync(
        configFile,
        prometheusConfig(options.scrapeTargets, options.scrapeIntervalSeconds ?? 2),
      );
    },
    args: (port) => [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(options.dataDir, 'data')}`,
      '--storage.tsdb.retention.time=15d',
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    ready: (port) => ready(`http://127.0.0.1:${port}`),
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.log ? { log: options.log } : {}),
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
    pollMs: 100,
  });
  return { url: `http://127.0.0.1:${server.port}`, pid: server.pid, stop: server.stop };
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
