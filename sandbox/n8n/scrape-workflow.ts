/**
 * The scrape-and-enrich workflow as the n8n stand-in runs it when wired to the other
 * stand-ins (local staging): the same nodes as the real workflow, really calling out.
 *
 *   Webhook → Respond to Webhook ({executionId}) → Report to ledger → PhantomBuster launch
 *   → Wait/poll container → Fetch result object → Enrich with Claude (the app's
 *   `POST /hooks/n8n/enrichments`, one request per item, all items at once as n8n's HTTP
 *   Request node does without batching) → done.
 *
 * Only the fields the prompt needs go to the enrichment hook (ids, role, company); the
 * scraped profile stays in the execution data, as n8n keeps it with
 * `EXECUTIONS_DATA_SAVE_ON_SUCCESS=all`.
 *
 * Concurrency: n8n Cloud runs at most the plan's number of production executions at once and
 * queues the rest FIFO (docs/load/provider-limits.md); `ExecutionQueue` does the same, and a
 * queued execution has status `new` until it starts.
 */
export interface ScrapeWorkflowDeps {
  phantombuster: { url: string; apiKey: string; agentId: string; pollMs?: number };
  /** The app's enrichment hook (its URL is known once the app listens). */
  enrich: { url: () => string | undefined; hookSecret: string };
  /** Gives up polling a container after this long (ms). */
  scrapeTimeoutMs?: number;
}

export interface WebhookBody {
  userId: string;
  prospects: Array<Record<string, unknown>>;
}

export interface WorkflowOutcome {
  runData: Record<string, unknown>;
  lastNodeExecuted: string;
  error?: string;
}

export class ExecutionQueue {
  readonly stats = { running: 0, queued: 0, maxRunning: 0, maxQueued: 0, started: 0 };
  readonly #waiting: Array<() => void> = [];

  limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Runs `task` when a slot is free (FIFO); `onStart` fires as it leaves the queue. */
  run(task: () => Promise<void>): void {
    const start = () => {
      this.stats.running += 1;
      this.stats.started += 1;
      this.stats.maxRunning = Math.max(this.stats.maxRunning, this.stats.running);
      void task().finally(() => {
        this.stats.running -= 1;
        const next = this.#waiting.shift();
        this.stats.queued = this.#waiting.length;
        next?.();
      });
    };
    if (this.stats.running < this.limit) start();
    else {
      this.#waiting.push(start);
      this.stats.queued = this.#waiting.length;
      this.stats.maxQueued = Math.max(this.stats.maxQueued, this.stats.queued);
    }
  }
}

const node = (json: unknown[], startTime: number) => [
  {
    startTime,
    executionTime: Date.now() - startTime,
    data: { main: [json.map((j) => ({ json: j }))] },
  },
];

/** Runs the nodes after the ledger report; never throws (a failing node ends the run). */
export async function runScrapeAndEnrich(
  body: WebhookBody,
  deps: ScrapeWorkflowDeps,
): Promise<WorkflowOutcome> {
  const runData: Record<string, unknown> = {};
  const pb = deps.phantombuster;
  const headers = { 'content-type': 'application/json', 'X-Phantombuster-Key': pb.apiKey };
  let step = 'PhantomBuster launch';
  try {
    let t = Date.now();
    const profileUrls = body.prospects.map((p) =>
      typeof p.linkedinUrl === 'string'
        ? p.linkedinUrl
        : `https://www.linkedin.com/in/p-${String(p.id)}`,
    );
    const launch = await call(`${pb.url}/api/v2/agents/launch`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ id: pb.agentId, argument: { profileUrls } }),
    });
    const containerId = String((launch as { containerId: unknown }).containerId);
    runData[step] = node([{ containerId }], t);

    step = 'Wait for container';
    t = Date.now();
    const deadline = t + (deps.scrapeTimeoutMs ?? 600_000);
    for (;;) {
      const c = (await call(`${pb.url}/api/v2/containers/fetch?id=${containerId}`, {
        headers,
      })) as {
        status: string;
      };
      if (c.status === 'finished') break;
      if (Date.now() > deadline) throw new Error(`container ${containerId} still ${c.status}`);
      await new Promise((r) => setTimeout(r, pb.pollMs ?? 1_000));
    }
    runData[step] = node([{ containerId, status: 'finished' }], t);

    step = 'Fetch result object';
    t = Date.now();
    const result = (await call(
      `${pb.url}/api/v2/containers/fetch-result-object?id=${containerId}`,
      { headers },
    )) as { resultObject: string | null };
    const profiles = JSON.parse(result.resultObject ?? '[]') as Array<Record<string, string>>;
    runData[step] = node(profiles, t);

    step = 'Enrich with Claude';
    t = Date.now();
    const url = deps.enrich.url();
    if (url === undefined) throw new Error('the app is not listening yet');
    const enriched = await Promise.all(
      body.prospects.map(async (p, i) => {
        const profile = profiles[i] ?? {};
        const answer = (await call(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'X-Vigie-Hook-Secret': deps.enrich.hookSecret,
          },
          body: JSON.stringify({
            tenantId: body.userId,
            prospectId: String(p.id),
            title: profile.jobTitle,
            company: profile.company,
            industry: profile.companyIndustry,
            companySize: profile.companySize,
            headline: profile.headline,
          }),
        })) as { brief?: string };
        return { ...p, ...profile, enrichment: { brief: answer.brief ?? null } };
      }),
    );
    runData[step] = node(enriched, t);
    return { runData, lastNodeExecuted: step };
  } catch (error) {
    return {
      runData,
      lastNodeExecuted: step,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

async function call(url: string, init: RequestInit): Promise<unknown> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(120_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${new URL(url).pathname} answered ${response.status}`);
  return JSON.parse(text) as unknown;
}
