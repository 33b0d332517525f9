/**
 * Claude prices per million tokens, as published on the model pages (docs/load/provider-limits.md:
 * platform.claude.com model overviews, read 2026-11-25). Dated so a report
 * can say which price list it used; a model missing here is refused by the gateway rather
 * than metered at zero.
 */
export const PRICES_AS_OF = '2026-11-25';

export interface ModelPrice {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

export const MODEL_PRICES: Record<string, ModelPrice> = {
  'claude-haiku-5-5': {
    input: 0.1,
    output: 0.5,
    cacheRead: 0.01,
    cacheWrite5m: 0.125,
    cacheWrite1h: 0.2,
  },
  'claude-sonnet-5-5': { input: 2, output: 10, cacheRead: 0.2, cacheWrite5m: 2.5, cacheWrite1h: 4 },
  'claude-haiku-4-5': { input: 1, output: 5, cacheRead: 0.1, cacheWrite5m: 1.25, cacheWrite1h: 2 },
  'claude-sonnet-4-6': {
    input: 3,
    output: 15,
    cacheRead: 0.3,
    cacheWrite5m: 3.75,
    cacheWrite1h: 6,
  },
};

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
}

export function modelPrice(model: string): ModelPrice {
  const price = MODEL_PRICES[model];
  if (price === undefined) {
    throw new RangeError(
      `no price for model ${model}: add it to core/enrichment/prices.ts (known: ${Object.keys(MODEL_PRICES).join(', ')})`,
    );
  }
  return price;
}

/** USD for one call, exact to 1e-9 (sums of many small calls must not drift). */
export function costUsd(model: string, u: TokenUsage): number {
  const p = modelPrice(model);
  const microUsd =
    u.inputTokens * p.input +
    u.outputTokens * p.output +
    u.cacheReadTokens * p.cacheRead +
    u.cacheWrite5mTokens * p.cacheWrite5m +
    u.cacheWrite1hTokens * p.cacheWrite1h;
  return Math.round(microUsd * 1000) / 1e9;
}

/** The most a call can cost: the whole prompt at its dearest input rate plus `maxTokens` out. */
export function worstCaseCostUsd(model: string, inputTokens: number, maxTokens: number): number {
  const p = modelPrice(model);
  const perInput = Math.max(p.input, p.cacheWrite5m, p.cacheWrite1h);
  return Math.round((inputTokens * perInput + maxTokens * p.output) * 1000) / 1e9;
}
