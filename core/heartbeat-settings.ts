import { collectors, type CollectorName } from './catalog/collectors.ts';

/**
 * The setting holding each collector's Better Stack heartbeat URL, named from the collector:
 * `retention-purge` → `HEARTBEAT_URL_RETENTION_PURGE`. Derived from the catalog (type and
 * value) so a collector added there has its setting in `core/config.ts` and in the handler
 * without a hand-kept list that can drift.
 */
type Screaming<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Uppercase<Head>}_${Screaming<Tail>}`
  : Uppercase<S>;

export type HeartbeatSettingName<N extends string = CollectorName> =
  `HEARTBEAT_URL_${Screaming<N>}`;

export function heartbeatSettingName<N extends string>(collector: N): HeartbeatSettingName<N> {
  return `HEARTBEAT_URL_${collector.toUpperCase().replace(/-/g, '_')}` as HeartbeatSettingName<N>;
}

/** Collector name → its heartbeat URL setting, for every collector of the catalog. */
export const heartbeatSettings = Object.fromEntries(
  collectors.map((c) => [c.name, heartbeatSettingName(c.name)]),
) as { readonly [N in CollectorName]: HeartbeatSettingName<N> };
