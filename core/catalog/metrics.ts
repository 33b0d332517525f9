import type { MetricDefinition } from './types.ts';

/** Every metric name something in Vigie emits. Dashboards may only query these. */
export const metrics = [] as const satisfies readonly MetricDefinition[];
