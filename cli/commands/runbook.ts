import type { Command } from 'commander';
import { alerts } from '../../core/catalog/alerts.ts';
import { VigieError } from '../../core/errors.ts';
import { summaryOf } from '../../core/runbooks/page.ts';
import { createRunbookSearch } from '../../core/runbooks/search.ts';
import { loadRunbooks, RUNBOOK_DIR, writeIndex } from '../../runbooks/library.ts';

/** `vigie runbook search <words…>`, `runbook show <id|alert-id>`, `runbook index`. */
export function register(program: Command): void {
  const runbook = program.command('runbook').description('Find and read the runbooks');
  runbook
    .command('search')
    .description('Fuzzy and prefix search over titles, symptoms and alert ids')
    .argument('<words...>', 'e.g. bounce spike, pool exhausted, calendar, Claude timeout')
    .option('--json', 'print as JSON')
    .action((words: string[], o: { json?: boolean }) => {
      const query = words.join(' ').trim();
      if (query === '') throw new VigieError('BAD_REQUEST', 'Give some words to search for.');
      const pages = loadRunbooks();
      const hits = createRunbookSearch(pages).search(query);
      if (o.json) {
        process.stdout.write(`${JSON.stringify(hits, null, 2)}\n`);
        return;
      }
      if (hits.length === 0) {
        process.stdout.write(
          `no runbook matches "${query}"; every runbook: npx vigie runbook show --list\n`,
        );
        process.exitCode = 1;
        return;
      }
      for (const h of hits) {
        const page = pages.find((p) => p.id === h.id)!;
        process.stdout.write(
          `${h.id.padEnd(22)} ${h.title}\n${' '.repeat(23)}${summaryOf(page)}\n${' '.repeat(23)}npx vigie runbook show ${h.id}\n`,
        );
      }
    });
  runbook
    .command('show')
    .description('Print a runbook (by its id, or by an alert id it answers)')
    .argument('[id]', 'runbook id or alert id')
    .option('--list', 'list every runbook id')
    .action((id: string | undefined, o: { list?: boolean }) => {
      const pages = loadRunbooks();
      if (o.list || id === undefined) {
        for (const p of pages) process.stdout.write(`${p.id.padEnd(22)} ${p.title}\n`);
        return;
      }
      const byAlert = alerts.find((a) => a.id === id)?.runbook;
      const page = pages.find((p) => p.id === id || p.id === byAlert);
      if (!page) {
        throw new VigieError(
          'NOT_FOUND',
          `No runbook or alert "${id}": try npx vigie runbook search ${id}, or runbook show --list.`,
        );
      }
      process.stdout.write(
        `${page.body.trim()}\n\n(${RUNBOOK_DIR.replace(process.cwd() + '/', '')}${page.id}.md · drill ${page.drill} · last drilled ${page.last_drilled})\n`,
      );
    });
  runbook
    .command('index')
    .description('Regenerate the index in runbooks/README.md from the front matter')
    .action(async () => {
      const changed = await writeIndex();
      process.stdout.write(
        changed
          ? 'runbooks/README.md index updated\n'
          : 'runbooks/README.md index already current\n',
      );
    });
}
