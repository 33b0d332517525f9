import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { alerts } from '../core/catalog/alerts.ts';
import { lastDrilled } from '../core/runbooks/index-md.ts';
import { fillCommand, parseRunbook } from '../core/runbooks/page.ts';
import { createRunbookSearch } from '../core/runbooks/search.ts';
import { drills, undrilled } from './drills/index.ts';
import { expectedReadme, loadRunbooks, RUNBOOK_DIR, recordLastDrilled } from './library.ts';

const pages = loadRunbooks();

describe('runbook library', () => {
  it('every alert names a runbook that lists it, and every runbook answers only real alerts', () => {
    for (const a of alerts) {
      const page = pages.find((p) => p.id === a.runbook);
      expect(page, `${a.id} → ${a.runbook}`).toBeDefined();
      expect(page!.alerts, `${a.runbook}.md front matter`).toContain(a.id);
    }
    const ids = new Set<string>(alerts.map((a) => a.id));
    for (const p of pages) {
      expect(p.alerts.length, p.id).toBeGreaterThan(0);
      for (const id of p.alerts) expect(ids, `${p.id}.md lists ${id}`).toContain(id);
    }
  });

  it('each page is named after its id and has the four sections', () => {
    for (const p of pages) {
      expect(existsSync(`${RUNBOOK_DIR}${p.id}.md`), p.id).toBe(true);
      for (const s of ['Problem', 'Diagnosis', 'Resolution', 'Prevention']) {
        expect(p.sections[s], `${p.id}: ${s}`).toBeTruthy();
      }
    }
  });

  it('every runbook has a drill next to it (or is a listed gap), resolving with commands from its page', () => {
    expect(
      pages
        .filter((p) => p.drill === 'none')
        .map((p) => p.id)
        .sort(),
    ).toEqual(Object.keys(undrilled).sort());
    for (const p of pages.filter((x) => x.drill !== 'none')) {
      expect(p.drill, p.id).toBe(p.id);
      expect(drills[p.id]?.runbook, p.id).toBe(p.id);
      // The page tells a person whether the drill may run against a deployed staging.
      expect(p.deployed_staging, `${p.id}: deployed_staging`).toBe(drills[p.id]?.deployedStaging);
      expect(existsSync(`${RUNBOOK_DIR}${p.id}.drill.ts`), `${p.id}.drill.ts`).toBe(true);
      expect(p.resolve.length, `${p.id}: a \`sh resolve\` block`).toBeGreaterThan(0);
      for (const block of p.resolve) {
        for (const alert of block.alerts)
          expect(p.alerts, `${p.id}: resolve ${alert}`).toContain(alert);
        for (const c of block.commands) expect(c, p.id).toMatch(/^npx vigie /);
      }
    }
  });

  it('the README index is current (regenerate: npx vigie runbook index)', async () => {
    const { current, expected } = await expectedReadme();
    expect(current).toBe(expected);
  });

  it.each([
    ['bounce spike', 'deliverability'],
    ['pool exhausted', 'database-performance'],
    ['calendar', 'onboarding'],
    ['Claude timeout', 'n8n-failures'],
    ['slow queries', 'database-performance'],
    ['domain verification', 'onboarding'],
    ['webhook dead', 'alert-delivery'],
    ['heartbeat', 'collectors'],
    ['db-session-blocked', 'database-performance'],
    ['calender', 'onboarding'],
    ['phantom', 'n8n-failures'],
  ])('search "%s" finds %s first', (query, id) => {
    expect(createRunbookSearch(pages).search(query)[0]?.id).toBe(id);
  });
});

describe('runbook page parsing', () => {
  const page = (
    front: string,
    body = '## Problem\np\n## Diagnosis\nd\n## Resolution\n```sh resolve a-b\nnpx vigie x <id>\n```\n## Prevention\nv\n',
  ) => `---\n${front}\n---\n# T\n\n${body}`;
  const good =
    'id: x\ntitle: T\nalerts: [a-b]\nservices: [s]\nseverity: warning\nsymptoms: [y]\ndrill: x\ndeployed_staging: false\nlast_drilled: 2026-11-30';

  it('reads front matter, sections and resolve blocks', () => {
    const p = parseRunbook(page(good));
    expect(p).toMatchObject({
      id: 'x',
      last_drilled: '2026-11-30',
      resolve: [{ alerts: ['a-b'], commands: ['npx vigie x <id>'] }],
    });
  });

  it('names what is wrong', () => {
    expect(() => parseRunbook('# no front matter')).toThrow(/no front matter/);
    expect(() => parseRunbook(page(good.replace('severity: warning', 'severity: loud')))).toThrow(
      /severity/,
    );
    expect(() => parseRunbook(page(good, '## Problem\np\n'))).toThrow(
      /Diagnosis, Resolution, Prevention/,
    );
  });

  it('fills placeholders from labels and refuses a command with one left', () => {
    expect(fillCommand('npx vigie domain pause <domain>', { domain: 'mail.acme.test' })).toBe(
      'npx vigie domain pause mail.acme.test',
    );
    expect(() => fillCommand('npx vigie db cancel <pid>', {})).toThrow(/<pid>/);
  });
});

describe('recording the last passing drill', () => {
  it('writes the date and figures of each passed drill, replaces an older record, leaves others', async () => {
    const dir = `${await mkdtemp(path.join(tmpdir(), 'vigie-runbooks-'))}/`;
    try {
      for (const id of ['uptime', 'audit-chain']) {
        await copyFile(`${RUNBOOK_DIR}${id}.md`, `${dir}${id}.md`);
      }
      const record = (detectMs: number) => ({
        runbook: 'uptime',
        detectMs,
        recoverMs: 5_649,
        stagingDetectMs: 1_338_000,
        stagingRecoverMs: 3_390_000,
      });
      await recordLastDrilled([record(2_231)], '2026-11-30', 50, dir);
      expect(await recordLastDrilled([record(3_000)], '2026-12-01', 4, dir)).toEqual(['uptime']);
      const pages = loadRunbooks(dir);
      const uptime = pages.find((p) => p.id === 'uptime')!;
      expect(uptime.last_drilled).toBe('2026-12-01');
      expect(uptime.last_drill).toEqual({
        result: 'passed',
        detect_s: 3,
        recover_s: 5.6,
        staging_detect_min: 22.3,
        staging_recover_min: 56.5,
        customers: 4,
      });
      expect(lastDrilled(uptime)).toBe(
        '2026-12-01: passed, detect 3 s, recover 5.6 s (4 customers)',
      );
      // One record block, not two: the older one was replaced.
      expect((await readFile(`${dir}uptime.md`, 'utf8')).match(/^last_drill:/gm)).toHaveLength(1);
      const audit = pages.find((p) => p.id === 'audit-chain')!;
      expect(audit.last_drilled).toBe(
        loadRunbooks().find((p) => p.id === 'audit-chain')!.last_drilled,
      );
      expect(audit.last_drill).toEqual(
        loadRunbooks().find((p) => p.id === 'audit-chain')!.last_drill,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
