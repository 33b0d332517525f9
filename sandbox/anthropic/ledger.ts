/**
 * The traffic ledger of the Anthropic stand-in: every message it served (or a drill seeded),
 * priced per MTok (docs/providers/anthropic.md), so the admin usage and cost reports are
 * computed from traffic rather than made up.
 */

export interface LedgerEntry {
  at: Date;
  model: string;
  uncachedInputTokens: number;
  cacheReadInputTokens: number;
  cacheCreation5mInputTokens: number;
  cacheCreation1hInputTokens: number;
  outputTokens: number;
}

/**
 * USD per million tokens: input, output, cache read, 5-minute cache write (1.25 × input); a
 * 1-hour cache write costs 2 × input.
 */
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

/** The cost report's documented `token_type` values. */
export const TOKEN_TYPES = [
  'uncached_input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'cache_creation.ephemeral_5m_input_tokens',
  'cache_creation.ephemeral_1h_input_tokens',
] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

/** Cost of one entry in cents, split by token type (the cost report's `token_type`). */
export function entryCostCents(e: LedgerEntry): Record<TokenType, number> {
  const p = PRICES[e.model] ?? FALLBACK;
  const cents = (tokens: number, usdPerMTok: number) => (tokens * usdPerMTok * 100) / 1_000_000;
  return {
    uncached_input_tokens: cents(e.uncachedInputTokens, p.input),
    output_tokens: cents(e.outputTokens, p.output),
    cache_read_input_tokens: cents(e.cacheReadInputTokens, p.cacheRead),
    'cache_creation.ephemeral_5m_input_tokens': cents(e.cacheCreation5mInputTokens, p.cacheWrite5m),
    'cache_creation.ephemeral_1h_input_tokens': cents(e.cacheCreation1hInputTokens, 2 * p.input),
  };
}

export class Ledger {
  readonly entries: LedgerEntry[] = [];

  record(entry: Partial<LedgerEntry> & { at: Date; model: string }): void {
    this.entries.push({
      uncachedInputTokens: 0,
      cacheReadInputTokens: 0,
      cacheCreation5mInputTokens: 0,
      cacheCreation1hInputTokens: 0,
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
