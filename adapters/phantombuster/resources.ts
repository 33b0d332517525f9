import * as z from 'zod';
import { expectShape, readJson } from '../http/read-json.ts';

/**
 * PhantomBuster `GET /api/v2/orgs/fetch-resources` (providers.md §5), header
 * `X-Phantombuster-Key`. The swagger leaves the resource objects unspecified; we read
 * `{current, max}` (minutes) and fail as `malformed` on anything else rather than guess.
 */
export interface PhantomBusterUsage {
  planName: string;
  executionMinutesUsed: number;
  executionMinutesMax: number;
}

const resources = z.object({
  planName: z.string().optional(),
  monthlyExecutionTime: z.object({ current: z.number(), max: z.number() }),
});

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
  const r = expectShape(source, body, resources, 'monthlyExecutionTime {current, max}');
  return {
    planName: r.planName ?? 'unknown',
    executionMinutesUsed: r.monthlyExecutionTime.current,
    executionMinutesMax: r.monthlyExecutionTime.max,
  };
}
