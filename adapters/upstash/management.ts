import { expectShape, isRecord, readJson } from '../http/read-json.ts';

/**
 * Upstash Developer API `GET /v2/redis/stats/{id}` (providers.md §3.2): HTTP Basic
 * `EMAIL:API_KEY`; `total_monthly_billing` is this month's USD so far.
 */
export async function upstashMonthlyBillingUsd(options: {
  baseUrl: string;
  email: string;
  apiKey: string;
  databaseId: string;
  timeoutMs?: number;
}): Promise<{ usd: number; monthlyRequests: number }> {
  const source = 'upstash stats';
  const auth = Buffer.from(`${options.email}:${options.apiKey}`).toString('base64');
  const { body } = await readJson(
    `${options.baseUrl.replace(/\/+$/, '')}/v2/redis/stats/${encodeURIComponent(options.databaseId)}`,
    { headers: { authorization: `Basic ${auth}` } },
    { source, timeoutMs: options.timeoutMs },
  );
  const stats = expectShape(
    source,
    body,
    (b): b is { total_monthly_billing: number; total_monthly_requests?: number } =>
      isRecord(b) && typeof b.total_monthly_billing === 'number',
    'a numeric total_monthly_billing',
  );
  return {
    usd: stats.total_monthly_billing,
    monthlyRequests: Number(stats.total_monthly_requests ?? 0),
  };
}
