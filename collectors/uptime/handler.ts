import { collectorHandler } from '../shared/handler.ts';
import { runner } from './wiring.ts';

/** Lambda entry (EventBridge Scheduler, see core/catalog/collectors.ts): wiring only. */
export const handler = collectorHandler('uptime', runner);
