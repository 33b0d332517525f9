import * as z from 'zod';
import { apiErrors, apiRequests } from '../../core/promql.ts';
import { expectShape, readJson } from '../http/read-json.ts';

/**
 * Prometheus HTTP API instant queries, `POST /api/v1/query` (prometheus.io/docs, "HTTP API",
 * form-encoded `query` and `time`): the local Prometheus of staging, or Grafana Cloud's
 * Prometheus endpoint in prod (`…/api/prom`, basic auth with the instance id and a token).
 * Plain `fetch` through `readJson`: the API is four fields of JSON.
 */
export interface PrometheusApi {
  /** The part before `/api/v1`. */
  baseUrl: string;
  user?: string | undefined;
  token?: string | undefined;
  timeoutMs?: number;
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

const answer = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('vector'),
    result: z.array(
      z.object({
        metric: z.record(z.string(), z.string()),
        value: z.tuple([z.number(), z.string()]),
      }),
    ),
  }),
});

const SOURCE = 'prometheus query';

export async function instantQuery(api: PrometheusApi, expr: string, at?: Date): Promise<Sample[]> {
  const form = new URLSearchParams({ query: expr });
  if (at) form.set('time', String(at.getTime() / 1000));
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (api.token !== undefined) {
    headers.authorization = api.user
      ? `Basic ${Buffer.from(`${api.user}:${api.token}`).toString('base64')}`
      : `Bearer ${api.token}`;
  }
  const { body } = await readJson(
    `${api.baseUrl.replace(/\/+$/, '')}/api/v1/query`,
    { method: 'POST', headers, body: form.toString() },
    { source: SOURCE, timeoutMs: api.timeoutMs ?? 10_000 },
  );
  const parsed = expectShape(SOURCE, body, answer, 'an instant vector result');
  return parsed.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

export interface DayTraffic {
  /** Responses over the day, and those with status ≥ 500. */
  requests: number;
  errors: number;
}

/**
 * API requests and errors per day (each `[start, end)`, e.g. a Europe/Paris calendar day),
 * for one stage: `increase` over the day's length, evaluated at its end. A day without a
 * sample reads as 0 requests.
 */
export async function dailyApiTraffic(
  api: PrometheusApi,
  days: readonly { start: Date; end: Date }[],
  stage: string,
): Promise<DayTraffic[]> {
  const out: DayTraffic[] = [];
  for (const day of days) {
    const window = `${Math.round((day.end.getTime() - day.start.getTime()) / 1000)}s`;
    const [requests, errors] = await Promise.all([
      instantQuery(api, apiRequests(window, escapeRegex(stage)), day.end),
      instantQuery(api, apiErrors(window, escapeRegex(stage)), day.end),
    ]);
    out.push({ requests: total(requests), errors: total(errors) });
  }
  return out;
}

function total(samples: Sample[]): number {
  return samples.reduce((sum, s) => sum + (Number.isFinite(s.value) ? s.value : 0), 0);
}

/** The stage is matched with `=~`: a literal stage must not act as a pattern. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
