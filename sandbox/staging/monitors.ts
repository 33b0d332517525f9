/**
 * Creates the catalog's Better Stack monitors and heartbeats (`core/catalog/monitors.ts`) in
 * the Better Stack stand-in, through the same client infra code would use, pointed at this
 * staging's URLs.
 */
import { createBetterStackClient } from '../../adapters/betterstack/client.ts';
import { heartbeatSettings as heartbeatSetting } from '../../core/heartbeat-settings.ts';
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
  /** Collector name → stand-in heartbeat id. */
  heartbeatIds: Record<string, string>;
  /** The `HEARTBEAT_URL_*` settings the collectors' handlers read. */
  settings: Record<string, string>;
}

export async function createCatalogMonitors(options: {
  baseUrl: string;
  token: string;
  targets: Record<HttpMonitorDefinition['baseUrlSetting'], string>;
  log: (line: string) => void;
}): Promise<CatalogMonitors> {
  const client = createBetterStackClient({ baseUrl: options.baseUrl, token: options.token });
  const result: CatalogMonitors = {
    monitorIds: {},
    heartbeatUrls: {},
    heartbeatIds: {},
    settings: {},
  };

  for (const def of httpMonitors) {
    const url = `${options.targets[def.baseUrlSetting].replace(/\/+$/, '')}${def.path}`;
    const id = await client.createMonitor(def, url);
    result.monitorIds[def.id] = id;
  }

  for (const def of heartbeats) {
    const { id, url } = await client.createHeartbeat(def);
    result.heartbeatUrls[def.collector] = url;
    result.heartbeatIds[def.collector] = id;
    const setting = heartbeatSetting[def.collector as keyof typeof heartbeatSetting];
    if (setting) result.settings[setting] = url;
  }
  return result;
}
