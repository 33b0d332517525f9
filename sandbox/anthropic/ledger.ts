/**
 * The traffic ledger of the Anthropic stand-in: every message it served (or a drill seeded),
 * priced per MTok as in /work/shared/reference/providers.md §1.6, so the admin usage and cost
 * reports are computed from traffic rather than made up.
 */

export interface LedgerEntry {
  at: Date;
  model: string;
  uncachedInputTokens: number;
  cacheReadInputTokens: number;
  cacheCreation5mInputTokens: number;
  outputTokens: number;
}

/** USD per million tokens: input, output, cache read, 5-minute cache write. */
export const PRICES: Record<
  string,
  { input: number; output: number; cacheRead: number; cacheWrite5m: number }
> = {
  'claude-sonnet-5-5': { input: 2, output: 10, cacheRead: 0.2, cacheWrite5m: 2.5 },
  'claude-haiku-5-5': { input: 0.1, output: 0.5, cacheRead: 0.01, cacheWrite5m: 0.125 },
  'claude-haiku-4-5': { input: 1, output: 5, cacheRead: 0.1, cacheWrite5m: 1.25 },
  'claude-sonnet-4-6': { input: 3, output: 15, cacheRead: 0.3, cacheWrite5m: 3.75 },
};

const FALLBACK = PRICES['claude-sonnet-5-5']!;

/** Cost of one entry in cents, split by token type (the cost report's `token_type`). */
export function entryCostCents(e: LedgerEntry): Record<string, number> {
  const p = PRICES[e.model] ?? FALLBACK;
  const cents = (tokens: number, usdPerMTok: number) => (tokens * usdPerMTok * 100) / 1_000_000;
  return {
    uncached_input_tokens: cents(e.uncachedInputTokens, p.input),
    output_tokens: cents(e.outputTokens, p.output),
    cache_read_input_tokens: cents(e.cacheReadInputTokens, p.cacheRead),
    cache_creation_5m_input_tokens: cents(e.cacheCreation5mInputTokens, p.cacheWrite5m),
  };
}

export class Ledger {
  readonly entries: LedgerEntry[] = [];

  record(entry: Partial<LedgerEntry> & { at: Date; model: string }): void {
    this.entries.push({
      uncachedInputTokens: 0,
      cacheReadInputTokens: 0,
      cacheCreation5mInputTokens: 0,
      outputTokens: 0,
      ...entry,
    });
  }

  between(from: Date, to: Date): LedgerEntry[] {
    return this.entries.filter((e) => e.at >= from && e.at < to);
  }

  totalCostCents(from: Date, to: Date): number {
    let total = 0;
    for (const e of this.between(from, to))
      for (const c of Object.values(entryCostCents(e))) total += c;
    return total;
  }
}
