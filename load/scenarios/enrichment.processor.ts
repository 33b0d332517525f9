/** Scenario 3's processor: one enrichment per user, its timings and the gateway's counters. */
import { randomUUID } from 'node:crypto';
import { loadUsers, pick, record } from './records.ts';

type Ctx = { vars: Record<string, unknown> };
const TITLES = ['VP Sales', 'Head of Growth', 'CTO', 'Founder', 'Sales Director'];

export async function pickUser(context: Ctx): Promise<void> {
  context.vars.user = pick(await loadUsers());
}

export async function enrichmentBody(
  req: { json?: unknown; headers?: Record<string, string> },
  context: Ctx,
): Promise<void> {
  const user = context.vars.user as { token: string };
  req.headers = { ...req.headers, Authorization: `Bearer ${user.token}` };
  // A fresh scrape: not stored yet, so never answered from the cache.
  req.json = {
    prospectId: randomUUID(),
    title: pick(TITLES),
    company: `Company ${Math.floor(Math.random() * 10_000)}`,
    industry: 'Software',
    companySize: '51-200',
  };
  context.vars.sentAt = Date.now();
}

export async function enriched(
  _req: unknown,
  res: { statusCode: number; body: string },
  context: Ctx,
): Promise<void> {
  const doneAt = Date.now();
  const sentAt = context.vars.sentAt as number;
  if (res.statusCode !== 200) {
    record({ kind: 'enrichment', ok: false, status: res.statusCode, sentAt, doneAt });
    throw new Error(`POST /enrichments answered ${res.statusCode}`);
  }
  const r = JSON.parse(res.body) as {
    usage: {
      inputTokens: number;
      outputTokens: number;
      cacheReadTokens: number;
      cacheWrite5mTokens: number;
      cacheWrite1hTokens: number;
    } | null;
    costUsd: number;
    limiter: { attempts: number; rateLimited: number; queuedMs: number };
  };
  record({
    kind: 'enrichment',
    ok: true,
    status: 200,
    sentAt,
    doneAt,
    inputTokens: r.usage?.inputTokens ?? 0,
    cacheWriteTokens: (r.usage?.cacheWrite5mTokens ?? 0) + (r.usage?.cacheWrite1hTokens ?? 0),
    cacheReadTokens: r.usage?.cacheReadTokens ?? 0,
    outputTokens: r.usage?.outputTokens ?? 0,
    costUsd: r.costUsd,
    attempts: r.limiter.attempts,
    rateLimited: r.limiter.rateLimited,
    queuedMs: r.limiter.queuedMs,
  });
}
