import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testRedisUrl } from './redis.ts';

describe('test Redis URL', () => {
  it('keeps the server of TEST_REDIS_URL and swaps only the db number', () => {
    const url = new URL(testRedisUrl(11));
    expect(url.pathname).toBe('/11');
    expect(url.host).toBe(new URL(testRedisUrl()).host);
    expect(() => testRedisUrl(-1)).toThrow(/integer/);
  });

  it('no test hard-codes the loopback Redis: each goes through testkit/redis.ts', () => {
    // Tracked and untracked test files; the helper itself holds the one default.
    const files = execFileSync(
      'git',
      ['ls-files', '--cached', '--others', '--exclude-standard', '*.test.ts', 'testkit/*.ts'],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter((f) => f && f !== 'testkit/redis.ts' && f !== 'testkit/redis.test.ts');
    const offenders = files.filter((f) =>
      /redis:\/\/(127\.0\.0\.1|localhost):6379/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
