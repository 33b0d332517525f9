export * from './types.ts';
export { alerts } from './alerts.ts';
export { collectors } from './collectors.ts';
export {
  instrumentOptions,
  metricByName,
  metricNames,
  metrics,
  storedName,
  storedSeries,
} from './metrics.ts';
export { httpMonitors, heartbeats } from './monitors.ts';
export type { HttpMonitorDefinition, HeartbeatDefinition } from './monitors.ts';
