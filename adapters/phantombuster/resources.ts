import * as z from 'zod';
import { expectShape, readJson } from '../http/read-json.ts';

/**
 * PhantomBuster `GET /api/v2/orgs/fetch-resources` (docs/providers/upstash-phantombuster.md),
 * header `X-Phantombuster-Key`. Per the API v2 swagger the month's usage is a number at the
 * top level (`monthlyExecutionTime`) and the plan's ceiling is `plan.monthlyExecutionTime`,
 * both in milliseconds; anything else fails as `malformed` rather than being guessed.
 */
export interface PhantomBusterUsage {
  planName: string;
  executionMinutesUsed: number;
  executionMinutesMax: number;
}

const resources = z.object({
  planName: z.string().optional(),
  monthlyExecutionTime: z.number().nonnegative(),
  plan: z.object({ monthlyExecutionTime: z.number().nonnegative() }),
});

const MS_PER_MINUTE = 60_000;

export async function phantomBusterUsage(options: {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
}): Promise<PhantomBusterUsage> {
  const source = 'phantombuster fetch-resources';
  const { body } = await readJson(
    `${options.baseUrl.replace(/\/+$/, '')}/api/v2/orgs/fetch-resources`,
    { headers: { 'X-Phantombuster-Key': options.apiKey } },
    { source, timeoutMs: options.timeoutMs },
  );
  const r = expectShape(
    source,
    body,
    resources,
    'monthlyExecutionTime and plan.monthlyExecutionTime (numbers)',
  );
  return {
    planName: r.planName ?? 'unknown',
    executionMinutesUsed: r.monthlyExecutionTime / MS_PER_MINUTE,
    executionMinutesMax: r.plan.monthlyExecutionTime / MS_PER_MINUTE,
  };
}
