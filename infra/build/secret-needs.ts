import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import ts from 'typescript';
import { SECRET_SETTINGS } from '../../core/config.ts';
import { type LambdaBundle, lambdaBundles } from './bundles.ts';

/**
 * The secret settings each Lambda's code reads, derived from the code itself (never listed by
 * hand): esbuild resolves the bundle's module graph (our sources only: packages stay
 * external, nothing is written), then each source is parsed and every identifier or string
 * literal naming a secret setting counts — `c.SLACK_WEBHOOK_URL` after
 * `requireSettings(config, ['DATABASE_URL', 'SLACK_WEBHOOK_URL'], …)`, an optional
 * `config.SMTP_URL` alike. Comments do not count. The config schema itself is skipped (it
 * names every setting); so is the SSM loader (it reads whatever names it is given).
 * Over-granting is possible (a name in a string the code never uses as a setting);
 * under-granting is not, short of reading a setting through a computed key, which
 * `build/bundles.int.test.ts` would catch: it runs each bundle with only these secrets.
 */
const SKIPPED = new Set(['core/config.ts', 'adapters/aws/ssm-secrets.ts']);
const SECRET_NAMES: ReadonlySet<string> = new Set(SECRET_SETTINGS);

export function secretNeeds(
  root: string,
  bundles: readonly LambdaBundle[] = lambdaBundles,
): Record<string, string[]> {
  return Object.fromEntries(bundles.map((b) => [b.name, secretsOfEntry(root, b.entry)]));
}

/** Secret names per source file, parsed once per process (every bundle shares core/, adapters/). */
const namesInFile = new Map<string, ReadonlySet<string>>();

export function secretsOfEntry(root: string, entry: string): string[] {
  const result = buildSync({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  const found = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    if (!input.endsWith('.ts') || SKIPPED.has(input)) continue;
    for (const name of secretNamesIn(join(root, input))) found.add(name);
  }
  return [...found].sort();
}

function secretNamesIn(file: string): ReadonlySet<string> {
  const cached = namesInFile.get(file);
  if (cached) return cached;
  const names = new Set<string>();
  const source = ts.createSourceFile(
    file,
    readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    false,
  );
  const visit = (node: ts.Node): void => {
    if ((ts.isIdentifier(node) || ts.isStringLiteralLike(node)) && SECRET_NAMES.has(node.text)) {
      names.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  namesInFile.set(file, names);
  return names;
}
