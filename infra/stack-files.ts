import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';

/** The `vigie:` keys of `Pulumi.<stack>.yaml`: clear-text values and the names set as secrets. */
export interface StackFile {
  stack: string;
  plain: Record<string, string>;
  secretNames: string[];
  /** Other namespaces (`aws:region`, `grafana:url`…), as written. */
  other: Record<string, unknown>;
}

export async function readStackFile(root: string, stack: string): Promise<StackFile> {
  if (!/^[a-z][a-z0-9-]*$/.test(stack))
    throw new Error(`stack name ${stack}: expected e.g. staging`);
  const path = join(root, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new Error(
      `No Pulumi.${stack}.yaml at the repository root: \`pulumi stack init ${stack}\` creates it.`,
    );
  }
  return parseStackFile(stack, text);
}

export function parseStackFile(stack: string, text: string): StackFile {
  const doc = (yaml.load(text) ?? {}) as { config?: Record<string, unknown> };
  const plain: Record<string, string> = {};
  const secretNames: string[] = [];
  const other: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.config ?? {})) {
    if (!key.startsWith('vigie:')) {
      other[key] = value;
      continue;
    }
    const name = key.slice('vigie:'.length);
    if (typeof value === 'object' && value !== null && 'secure' in value) secretNames.push(name);
    else plain[name] = String(value);
  }
  return { stack, plain, secretNames: secretNames.sort(), other };
}
