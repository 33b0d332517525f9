import type Anthropic from '@anthropic-ai/sdk';

let loading: Promise<typeof Anthropic> | undefined;

/**
 * The Anthropic SDK, loaded on first use: it is a large module (about 450 KB in a bundle)
 * that the API's and most collectors' first invocation never calls, so it stays out of their
 * cold start (`npm run bench -- infra`). The build splits it into a chunk of its own.
 */
export function anthropicSdk(): Promise<typeof Anthropic> {
  loading ??= import('@anthropic-ai/sdk').then((m) =>
    // Bundled from its CommonJS build, the class sits one `default` deeper.
    typeof m.default === 'function'
      ? m.default
      : (m.default as unknown as { default: typeof Anthropic }).default,
  );
  return loading;
}
