import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { collectors } from '../core/catalog/collectors.ts';

/**
 * Each collector's Lambda bundle holds only its own wiring: esbuild follows the handler's
 * imports (npm packages left out, only the repository's files counted), and the bundle must
 * reach no other collector's folder, not the lazy registry, and only the adapters its own
 * wiring names.
 */
const adaptersOf: Record<string, string[]> = {
  // Beyond these, every collector reaches postgres (pool) and alerts (outbox's `raise`).
  'n8n-failure-rate': ['n8n'],
  cost: ['anthropic', 'upstash', 'phantombuster'],
  deliverability: ['dns'],
  'weekly-summary': [
    'betterstack',
    'n8n',
    'sentry',
    'prometheus',
    'anthropic',
    'upstash',
    'phantombuster',
  ],
  'retention-purge': ['privacy', 'upstash', 'n8n'],
  'erasure-retry': ['privacy', 'upstash', 'n8n'],
  'alert-dispatch': [],
  onboarding: ['dns'],
  'db-health': [],
  'audit-anchor': ['privacy', 'upstash'],
  uptime: ['betterstack'],
};
/** Folders the telemetry and config layers bring to every bundle (`aws`: secrets from SSM at cold start). */
const everywhere = ['postgres', 'alerts', 'http', 'aws'];
/** The weekly summary reuses the cost and n8n collectors' readers. */
const otherCollectorsAllowed: Record<string, string[]> = {
  'weekly-summary': ['cost', 'n8n-failure-rate'],
};

async function inputsOf(name: string): Promise<string[]> {
  const result = await build({
    entryPoints: [`collectors/${name}/handler.ts`],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe('collector Lambda bundles', () => {
  it('covers every catalog collector', () => {
    expect(Object.keys(adaptersOf).sort()).toEqual(collectors.map((c) => c.name).sort());
  });

  it.each(collectors.map((c) => [c.name] as const))(
    'the %s bundle holds only its own collector and adapters',
    async (name) => {
      const inputs = await inputsOf(name);
      expect(inputs).toContain(`collectors/${name}/wiring.ts`);
      expect(inputs).not.toContain('collectors/registry.ts');
      const collectorFolders = new Set(
        inputs.map((f) => /^collectors\/([^/]+)\//.exec(f)?.[1]).filter((f) => f !== undefined),
      );
      expect([...collectorFolders].sort()).toEqual(
        [name, 'shared', ...(otherCollectorsAllowed[name] ?? [])].sort(),
      );
      const adapterFolders = new Set(
        inputs.map((f) => /^adapters\/([^/]+)\//.exec(f)?.[1]).filter((f) => f !== undefined),
      );
      const allowed = new Set([...everywhere, ...adaptersOf[name]!]);
      expect([...adapterFolders].filter((f) => !allowed.has(f))).toEqual([]);
      for (const own of adaptersOf[name]!) expect([...adapterFolders], own).toContain(own);
    },
  );
});
