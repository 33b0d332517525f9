import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * The repository stands on its own: no file cites notes outside it or a path of a particular
 * machine. Facts go into `docs/` with their public source (docs/README.md).
 */
const OUTSIDE = [
  /\/work\//,
  /shared\/reference/,
  /\bDESIGN\.md\b/,
  /(^|[^\w/])reference\/[a-z-]+\.md/,
];

describe('the repository stands on its own', () => {
  it('no tracked file cites a path outside the repository', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter((f) => f !== '' && f !== 'testkit/stands-alone.test.ts')
      .filter((f) => /\.(ts|js|md|json|yaml|yml|sql|sh)$|(^|\/)run$/.test(f));
    const offenders: string[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue; // deleted in the work tree
      }
      text.split('\n').forEach((line, i) => {
        if (OUTSIDE.some((re) => re.test(line))) offenders.push(`${file}:${i + 1}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
