import * as z from 'zod';
import { expectShape, readJson } from '../http/read-json.ts';

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
    z.object({ total_monthly_billing: z.number(), total_monthly_requests: z.number().optional() }),
    'a numeric total_monthly_billing',
  );
  return {
    usd: stats.total_monthly_billing,
    monthlyRequests: stats.total_monthly_requests ?? 0,
  };
}
