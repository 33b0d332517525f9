import type { AlertDefinition } from './types.ts';

/** Every alert the system can raise. Tests check each one names an existing runbook. */
export const alerts = [] as const satisfies readonly AlertDefinition[];
