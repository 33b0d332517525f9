/**
 * Creates the catalog's Better Stack monitors and heartbeats (`core/catalog/monitors.ts`) in
 * the Better Stack stand-in, through the same client infra code would use, pointed at this
 * staging's URLs. A monitor whose target answers 404 at launch (an endpoint this build does
 * not serve yet) is created paused, with a note: running it would page on every start.
 */
import { createBetterStackClient } from '../../adapters/betterstack/client.ts';
import { heartbeatSetting } from '../../collectors/registry.ts';
import {
  heartbeats,
  httpMonitors,
  type HttpMonitorDefinition,
} from '../../core/catalog/monitors.ts';

export interface CatalogMonitors {
  /** Catalog monitor id → stand-in monitor id. */
  monitorIds: Record<string, string>;
  /** Collector name → heartbeat ping URL. */
  heartbeatUrls: Record<string, string>;
  /** The `HEARTBEAT_URL_*` settings the collectors' handlers read. */
  settings: Record<string, string>;
  paused: string[];
}

export async function createCatalogMonitors(options: {
  baseUrl: string;
  token: string;
  targets: Record<HttpMonitorDefinition['baseUrlSetting'], string>;
  log: (line: string) => void;
}): Promise<CatalogMonitors> {
  const client = createBetterStackClient({ baseUrl: options.baseUrl, token: options.token });
  const result: CatalogMonitors = { monitorIds: {}, heartbeatUrls: {}, settings: {}, paused: [] };

  for (const def of httpMonitors) {
    const url = `${options.targets[def.baseUrlSetting].replace(/\/+$/, '')}${def.path}`;
    const id = await client.createMonitor(def, url);
    result.monitorIds[def.id] = id;
    if ((await statusOf(url)) === 404) {
      const response = await fetch(`${options.baseUrl}/api/v2/monitors/${id}`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${options.token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ paused: true }),
      });
      await response.body?.cancel();
      result.paused.push(def.id);
      options.log(`monitor ${def.id} paused: ${def.path} answers 404 in this build`);
    }
  }

  for (const def of heartbeats) {
    const { url } = await client.createHeartbeat(def);
    result.heartbeatUrls[def.collector] = url;
    const setting = heartbeatSetting[def.collector as keyof typeof heartbeatSetting];
    if (setting) result.settings[setting] = url;
  }
  return result;
}

/** The target's HTTP status; a few tries, because the first request after a heavy seed can stall. */
async function statusOf(url: string): Promise<number | 'unreachable'> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      await response.body?.cancel();
      return response.status;
    } catch {
      // Try again: a launch that cannot tell 404 from slow would page on every start.
    }
  }
  return 'unreachable';
}
