import { expectShape, isRecord, readJson } from '../http/read-json.ts';

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

const isQuota = (v: unknown): v is { current: number; max: number } =>
  isRecord(v) && typeof v.current === 'number' && typeof v.max === 'number';

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
    (b): b is { planName?: string; monthlyExecutionTime: { current: number; max: number } } =>
      isRecord(b) && isQuota(b.monthlyExecutionTime),
    'monthlyExecutionTime {current, max}',
  );
  return {
    planName: String(r.planName ?? 'unknown'),
    executionMinutesUsed: r.monthlyExecutionTime.current,
    executionMinutesMax: r.monthlyExecutionTime.max,
  };
}
