/** Scenario 1's processor: the webhook body, and one record per finished execution. */
import { randomUUID } from 'node:crypto';
import { loadUsers, pick, record } from './records.ts';

type Ctx = { vars: Record<string, unknown> };
const DONE = new Set(['success', 'error', 'crashed', 'canceled']);

export async function prepareScrape(context: Ctx): Promise<void> {
  let userId: string = randomUUID();
  try {
    userId = pick(await loadUsers()).userId;
  } catch {
    // No users file: a synthetic tenant id is enough for the workflow.
  }
  const profiles = Number(process.env.VIGIE_PROFILES_PER_SCRAPE ?? 3);
  context.vars.body = {
    userId,
    prospects: Array.from({ length: profiles }, () => ({ id: randomUUID() })),
  };
}

export async function webhookBody(req: { json?: unknown }, context: Ctx): Promise<void> {
  req.json = context.vars.body;
  context.vars.triggeredAt = Date.now();
}

export async function triggered(_req: unknown, res: { statusCode: number }): Promise<void> {
  if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}`);
}

export async function followExecution(
  _req: unknown,
  res: { statusCode: number; body: string },
  context: Ctx,
): Promise<void> {
  if (res.statusCode !== 200) throw new Error(`executions API answered ${res.statusCode}`);
  const e = JSON.parse(res.body) as {
    status: string;
    startedAt: string | null;
    stoppedAt: string | null;
  };
  context.vars.status = e.status;
  if (!DONE.has(e.status)) return;
  const triggeredAt = context.vars.triggeredAt as number;
  const startedAt = e.startedAt ? Date.parse(e.startedAt) : NaN;
  const stoppedAt = e.stoppedAt ? Date.parse(e.stoppedAt) : NaN;
  const nodes = await nodeTimes(String(context.vars.executionId));
  record({
    kind: 'scrape',
    executionId: String(context.vars.executionId),
    status: e.status,
    triggeredAt,
    startedAt,
    stoppedAt,
    seenDoneAt: Date.now(),
    ...nodes,
  });
  if (e.status !== 'success') throw new Error(`execution ended ${e.status}`);
}

/** How long the execution's scrape and enrichment nodes took (n8n's own `executionTime`). */
async function nodeTimes(
  id: string,
): Promise<{ scrapeMs: number | null; enrichMs: number | null }> {
  const r = await fetch(`${process.env.VIGIE_N8N_URL}/api/v1/executions/${id}?includeData=true`, {
    headers: { 'X-N8N-API-KEY': process.env.VIGIE_N8N_API_KEY ?? '' },
  });
  if (!r.ok) return { scrapeMs: null, enrichMs: null };
  const body = (await r.json()) as {
    data?: { resultData?: { runData?: Record<string, Array<{ executionTime?: number }>> } };
  };
  const run = body.data?.resultData?.runData ?? {};
  const time = (node: string) => run[node]?.[0]?.executionTime ?? 0;
  return {
    scrapeMs:
      time('PhantomBuster launch') + time('Wait for container') + time('Fetch result object'),
    enrichMs: run['Enrich with Claude'] ? time('Enrich with Claude') : null,
  };
}

export function stillRunning(context: Ctx, done: (more: boolean) => void): void {
  done(!DONE.has(String(context.vars.status ?? 'new')));
}
