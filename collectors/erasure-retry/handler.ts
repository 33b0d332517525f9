import { collectorHandler } from '../shared/handler.ts';

/** Lambda entry (EventBridge Scheduler, see core/catalog/collectors.ts): wiring only. */
export const handler = collectorHandler('erasure-retry');
