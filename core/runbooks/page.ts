import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { VigieError } from '../errors.ts';

/**
 * A runbook page: YAML front matter (what answers which alert, the drill that proves it, when it
 * was last drilled), then the sections Problem → Diagnosis → Resolution → Prevention. Fenced
 * blocks tagged `sh resolve <alert-id> …` in Resolution are the commands a drill runs, read
 * from the page so the page is what is tested. Pure: callers read the file.
 */
const frontMatterSchema = z.object({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'expected a kebab-case id'),
  title: z.string().min(1),
  alerts: z.array(z.string().min(1)).min(1),
  services: z.array(z.string().min(1)).min(1),
  severity: z.enum(['critical', 'warning', 'info']),
  symptoms: z.array(z.string().min(1)).min(1),
  drill: z.string().min(1),
  /** Whether the drill can also run against a deployed staging (`faultInjection` on). */
  deployed_staging: z.boolean(),
  last_drilled: z.union([z.literal('never'), z.iso.date()]),
  /** What that last passing drill measured (written by `vigie gameday --commit`). */
  last_drill: z
    .object({
      result: z.literal('passed'),
      /** Real seconds, on the staging's compressed clock. */
      detect_s: z.number().nonnegative(),
      recover_s: z.number().nonnegative(),
      /** The same on the staging clock, in minutes: what production schedules would give. */
      staging_detect_min: z.number().nonnegative(),
      staging_recover_min: z.number().nonnegative(),
      /** Seeded customers of the staging it ran on. */
      customers: z.number().int().positive(),
    })
    .optional(),
});

export type RunbookFrontMatter = z.infer<typeof frontMatterSchema>;

export interface ResolveBlock {
  /** Alerts this block resolves (from the fence's info string). */
  alerts: string[];
  /** One command per line, placeholders `<name>` still in. */
  commands: string[];
}

export interface RunbookPage extends RunbookFrontMatter {
  /** Section title → its markdown. */
  sections: Record<string, string>;
  resolve: ResolveBlock[];
  body: string;
}

export const REQUIRED_SECTIONS = ['Problem', 'Diagnosis', 'Resolution', 'Prevention'] as const;

export function parseRunbook(text: string, file = 'runbook'): RunbookPage {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text);
  if (!match) {
    throw new VigieError('BAD_REQUEST', `${file}: no front matter (--- … --- at the top).`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(match[1]!);
  } catch (error) {
    throw new VigieError('BAD_REQUEST', `${file}: front matter is not YAML (${String(error)}).`);
  }
  // YAML reads an unquoted date as a string here (core schema), but be lenient with Date.
  if (
    raw &&
    typeof raw === 'object' &&
    (raw as { last_drilled?: unknown }).last_drilled instanceof Date
  ) {
    (raw as { last_drilled: unknown }).last_drilled = (raw as { last_drilled: Date }).last_drilled
      .toISOString()
      .slice(0, 10);
  }
  const parsed = frontMatterSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw new VigieError('BAD_REQUEST', `${file}: bad front matter: ${problems.join('; ')}.`);
  }
  const body = match[2]!;
  const sections: Record<string, string> = {};
  const parts = body.split(/^## +(.+)$/m);
  for (let i = 1; i < parts.length; i += 2) sections[parts[i]!.trim()] = parts[i + 1]!.trim();
  const missing = REQUIRED_SECTIONS.filter((s) => !(s in sections));
  if (missing.length > 0) {
    throw new VigieError('BAD_REQUEST', `${file}: missing section(s) ${missing.join(', ')}.`);
  }
  return { ...parsed.data, sections, resolve: resolveBlocks(sections.Resolution ?? ''), body };
}

function resolveBlocks(markdown: string): ResolveBlock[] {
  const blocks: ResolveBlock[] = [];
  for (const m of markdown.matchAll(/^ *```sh resolve ([^\n]*)\n([\s\S]*?)^ *```/gm)) {
    blocks.push({
      alerts: m[1]!.trim().split(/\s+/).filter(Boolean),
      commands: m[2]!
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#')),
    });
  }
  return blocks;
}

/**
 * Fills `<name>` placeholders from an alert's labels (and extra values). A placeholder without
 * a value is an error naming it: a drill must not run a command with `<…>` left in.
 */
export function fillCommand(command: string, values: Record<string, string | number>): string {
  return command.replace(/<([A-Za-z][A-Za-z0-9_]*)>/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new VigieError('BAD_REQUEST', `No value for <${name}> in: ${command}`);
    }
    return String(value);
  });
}

/** The first line of Problem: what the index and search show. */
export function summaryOf(page: RunbookPage): string {
  const text = (page.sections.Problem ?? '').replace(/\s+/g, ' ').trim();
  const sentence = /^(.+?\.)(\s|$)/.exec(text)?.[1] ?? text;
  return sentence.length > 200 ? `${sentence.slice(0, 197)}…` : sentence;
}
