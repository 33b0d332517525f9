/**
 * The local Prometheus of staging: started when the OTLP stand-in runs here and no
 * `PROMETHEUS_QUERY_URL` is given, scraping the stand-in's `/metrics` (Grafana Cloud's stored
 * names). When `prometheus` cannot be found or installed, staging still starts, without it,
 * and says so: the app and collectors do not need it.
 */
import path from 'node:path';
import type { OtlpStandIn } from '../otlp/server.ts';
import { startPrometheusServer } from '../prometheus-server.ts';
import { fromEnv, type LaunchContext, origin, type ServiceEntry } from './context.ts';

export async function startLocalPrometheus(
  ctx: LaunchContext,
  otlp: OtlpStandIn | undefined,
  wanted: boolean,
): Promise<{ url?: string; settings: Record<string, string>; services: ServiceEntry[] }> {
  if (fromEnv(ctx, 'PROMETHEUS_QUERY_URL', ['PROMETHEUS_QUERY_TOKEN'])) {
    const given = ctx.env.PROMETHEUS_QUERY_URL as string;
    return { settings: {}, services: [{ name: 'Prometheus', url: origin(given), from: 'env' }] };
  }
  if (!wanted || otlp === undefined) return { settings: {}, services: [] };
  try {
    const server = await startPrometheusServer({
      dataDir: path.join(ctx.stateDir, 'prometheus'),
      scrapeTargets: [new URL(otlp.url).host],
      scrapeIntervalSeconds: 2,
      env: ctx.env as NodeJS.ProcessEnv,
      log: ctx.log,
    });
    ctx.defer(server.stop);
    return {
      url: server.url,
      settings: { PROMETHEUS_QUERY_URL: server.url },
      services: [{ name: 'Prometheus (graph)', url: `${server.url}/graph`, from: 'stand-in' }],
    };
  } catch (error) {
    ctx.log(
      `Prometheus not started (dashboards cannot be checked): ${(error as Error).message.split('\n')[0]}`,
    );
    return { settings: {}, services: [] };
  }
}
