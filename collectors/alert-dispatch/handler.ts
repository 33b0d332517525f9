import { collectorHandler } from '../shared/handler.ts';
import { runner } from './wiring.ts';

/** Lambda entry (EventBridge Scheduler every minute, see core/catalog/collectors.ts): wiring only. */
export const handler = collectorHandler('alert-dispatch', runner);
