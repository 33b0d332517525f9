import type { CollectorDefinition } from './types.ts';

/** Every scheduled job, with its schedule in Europe/Paris time. */
export const collectors = [] as const satisfies readonly CollectorDefinition[];
