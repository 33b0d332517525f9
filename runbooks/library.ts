import { readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { withIndex } from '../core/runbooks/index-md.ts';
import { parseRunbook, type RunbookPage } from '../core/runbooks/page.ts';

/** This folder: every `<id>.md` except README.md and readiness.md is a runbook page. */
export const RUNBOOK_DIR = fileURLToPath(new URL('./', import.meta.url));
const NOT_PAGES = new Set(['README.md', 'readiness.md']);

export function runbookFiles(dir = RUNBOOK_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md') && !NOT_PAGES.has(f))
    .sort();
}

/** Every runbook page, parsed (a bad page throws naming its file). */
export function loadRunbooks(dir = RUNBOOK_DIR): RunbookPage[] {
  return runbookFiles(dir).map((f) => parseRunbook(readFileSync(`${dir}${f}`, 'utf8'), f));
}

export function findRunbook(id: string, dir = RUNBOOK_DIR): RunbookPage | undefined {
  return loadRunbooks(dir).find((p) => p.id === id);
}

/** README.md with its generated index block as it should be (formatted as Prettier would). */
export async function expectedReadme(
  dir = RUNBOOK_DIR,
): Promise<{ current: string; expected: string }> {
  const current = await readFile(`${dir}README.md`, 'utf8');
  const raw = withIndex(current, loadRunbooks(dir));
  // Prettier pads markdown tables; the generated file must already be in that form so
  // `npm run format:check` and the staleness test agree. A dev tool, loaded only here.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(`${dir}README.md`)) ?? {};
  const expected = await prettier.format(raw, { ...options, parser: 'markdown' });
  return { current, expected };
}

/** Rewrites README.md's index; true when it changed. */
export async function writeIndex(dir = RUNBOOK_DIR): Promise<boolean> {
  const { current, expected } = await expectedReadme(dir);
  if (current === expected) return false;
  await writeFile(`${dir}README.md`, expected);
  return true;
}

/** One passing drill's record, as `recordLastDrilled` writes it. */
export interface DrillRecord {
  runbook: string;
  detectMs: number;
  recoverMs: number;
  stagingDetectMs: number;
  stagingRecoverMs: number;
}

/**
 * Writes `last_drilled` (the date) and `last_drill` (its figures) into the front matter of each
 * page whose drill passed (the game day's --commit). A page whose drill failed keeps its last
 * passing record: the index shows when it last worked, and the readiness report shows today.
 */
export async function recordLastDrilled(
  records: readonly DrillRecord[],
  date: string,
  customers: number,
  dir = RUNBOOK_DIR,
): Promise<string[]> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`not a date: ${date}`);
  const changed: string[] = [];
  const s = (ms: number) => Math.round(ms / 100) / 10;
  const min = (ms: number) => Math.round(ms / 6_000) / 10;
  for (const r of records) {
    const file = `${dir}${r.runbook}.md`;
    const text = await readFile(file, 'utf8');
    const figures = [
      'last_drill:',
      '  result: passed',
      `  detect_s: ${s(r.detectMs)}`,
      `  recover_s: ${s(r.recoverMs)}`,
      `  staging_detect_min: ${min(r.stagingDetectMs)}`,
      `  staging_recover_min: ${min(r.stagingRecoverMs)}`,
      `  customers: ${customers}`,
    ].join('\n');
    const next = text
      .replace(/^last_drill:\n(?: {2}.*\n)*/m, '')
      .replace(/^last_drilled: .*$/m, `last_drilled: ${date}\n${figures}`);
    // The page must still parse: a broken front matter would fail every command reading it.
    parseRunbook(next, `${r.runbook}.md`);
    if (next !== text) {
      await writeFile(file, next);
      changed.push(r.runbook);
    }
  }
  return changed;
}
