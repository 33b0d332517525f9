import { trace } from '@opentelemetry/api';
import type { Counter } from '@opentelemetry/api';
import { Hono } from 'hono';
import * as z from 'zod';
import { raise } from '../../adapters/alerts/outbox.ts';
import type { Pool } from '../../adapters/postgres/pool.ts';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import {
  ATTR_N8N_EXECUTION_ID,
  ATTR_N8N_EXECUTION_MODE,
  ATTR_N8N_LAST_NODE,
  ATTR_N8N_WORKFLOW_ID,
  ATTR_N8N_WORKFLOW_NAME,
  METRIC_N8N_WORKFLOW_ERRORS,
} from '../../telemetry/attributes.ts';
import { getTelemetry } from '../../telemetry/current.ts';
import type { Telemetry } from '../../telemetry/init.ts';
import { keepIfKnown } from '../../core/scrub.ts';
import { scrubText } from '../../telemetry/scrub.ts';
import { readJson } from '../errors.ts';
import { HOOK_SECRET_HEADER, requireHookSecret } from '../middleware/hook-secret.ts';

/** The header n8n's error workflow sets (HTTP Request node → Headers). */
/** The header of the shared secret (one definition: `../middleware/hook-secret.ts`). */
export const N8N_HOOK_SECRET_HEADER = HOOK_SECRET_HEADER;

/** n8n's execution modes (`WorkflowExecuteMode` in n8n-workflow). */
const EXECUTION_MODES: ReadonlySet<string> = new Set([
  'cli',
  'error',
  'evaluation',
  'integrated',
  'internal',
  'manual',
  'retry',
  'trigger',
  'webhook',
]);

const id = z.union([z.string().min(1), z.number()]).transform(String);
const errorShape = z.looseObject({
  message: z.string({ message: 'expected the error message (a string)' }),
  stack: z.string().optional(),
});

/**
 * n8n's Error Trigger output (docs.n8n.io, Error Trigger node; docs/providers/monitoring.md):
 * `execution.{id,url,retryOf,error.{message,stack},lastNodeExecuted,mode}` and `workflow.{id,name}`.
 * When the trigger node itself failed there is no execution, only `trigger.{error,mode}`.
 * Loose objects: n8n adds fields between versions and they must not break the hook.
 */
export const n8nErrorPayload = z
  .looseObject({
    execution: z
      .looseObject({
        id,
        url: z.string().optional(),
        retryOf: id.nullish(),
        error: errorShape,
        lastNodeExecuted: z.string().optional(),
        mode: z.string({ message: 'expected the execution mode, e.g. trigger' }),
      })
      .optional(),
    trigger: z.looseObject({ error: errorShape, mode: z.string().optional() }).optional(),
    workflow: z.looseObject({ id, name: z.string() }),
  })
  .refine((p) => p.execution !== undefined || p.trigger !== undefined, {
    message: 'expected execution (or trigger) with the error',
    path: ['execution'],
  });

export interface N8nHookDeps {
  config: Config;
  /** The alert outbox's database: each report raises `n8n-error-hook-received`. */
  pool: Pool;
  telemetry?: Telemetry | undefined;
}

/**
 * `POST /hooks/n8n/error`: n8n's error workflow posts here. Shared-secret auth (constant-time),
 * payload validated, then `n8n-error-hook-received` raised in the outbox (ids only; first, so a
 * database failure answers 5xx and n8n retries before anything is reported twice), one Sentry
 * event tagged with the workflow and execution ids (message scrubbed) and one increment of
 * `vigie.n8n.workflow_errors`. Answers 202.
 */
export function n8nHookRoutes(deps: N8nHookDeps): Hono {
  const app = new Hono();
  const counters = new WeakMap<Telemetry, Counter>();

  app.post('/hooks/n8n/error', requireHookSecret(deps.config, 'error'), async (c) => {
    const telemetry = deps.telemetry ?? getTelemetry();
    if (telemetry === undefined) {
      throw new VigieError('UNAVAILABLE', 'Telemetry is not initialised on this server.');
    }
    const payload = await readJson(c, n8nErrorPayload);

    const failure = payload.execution ?? payload.trigger;
    const executionId = payload.execution?.id ?? 'none';
    const mode = failure?.mode ?? 'unknown';
    // An info alert (recorded, not sent): the outbox groups a workflow's failures, which
    // `n8n-failure-rate-high` then judges as a rate.
    await raise(deps.pool, {
      alertId: 'n8n-error-hook-received',
      labels: { workflowId: payload.workflow.id, executionId },
      at: new Date(),
    });
    // Node and workflow names are free text an operator typed (a LinkedIn URL in issue #8's
    // reproduction): only their known words leave, in tags and fingerprint alike.
    const lastNode = payload.execution?.lastNodeExecuted;
    const node = lastNode ? scrubText(lastNode) : undefined;
    const tags = {
      [ATTR_N8N_WORKFLOW_ID]: payload.workflow.id,
      [ATTR_N8N_WORKFLOW_NAME]: scrubText(payload.workflow.name),
      [ATTR_N8N_EXECUTION_ID]: executionId,
      [ATTR_N8N_EXECUTION_MODE]: mode,
      ...(node ? { [ATTR_N8N_LAST_NODE]: node } : {}),
    };
    trace.getActiveSpan()?.setAttributes(tags);
    const message = scrubText(failure?.error.message ?? 'unknown error');
    const eventId = telemetry.captureMessage(
      `n8n workflow ${payload.workflow.id} failed: ${message}`,
      {
        level: 'error',
        tags,
        // One issue per workflow and failing node, not one per execution.
        fingerprint: ['n8n-workflow-error', payload.workflow.id, node ?? 'trigger'],
        extra: {
          stack: failure?.error.stack ? scrubText(failure.error.stack) : undefined,
          retryOf: payload.execution?.retryOf ?? undefined,
        },
      },
    );

    let counter = counters.get(telemetry);
    if (!counter) {
      counter = telemetry.meter.createCounter(METRIC_N8N_WORKFLOW_ERRORS, {
        description: 'n8n Error Trigger reports received.',
      });
      counters.set(telemetry, counter);
    }
    // Metric points leave unscrubbed (no exporter rewrites them): the id only when it is known
    // text, the mode only from n8n's own list; both are free strings in the payload.
    counter.add(1, {
      [ATTR_N8N_WORKFLOW_ID]: keepIfKnown(payload.workflow.id),
      [ATTR_N8N_EXECUTION_MODE]: EXECUTION_MODES.has(mode) ? mode : 'other',
    });

    return c.json({ accepted: true, eventId: eventId ?? null }, 202);
  });
  return app;
}

/** Constant-time: both sides hashed to equal length first, so length leaks nothing either. */
