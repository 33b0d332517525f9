import { describe, expect, it } from 'vitest';
import { MAX_TEXT_CHARS, PATTERNS, TRUNCATED_MARK, boundText, scrubText } from './scrub.ts';

/**
 * Inputs built to make a backtracking pattern retry every suffix: long runs of the characters a
 * pattern's leading class accepts, with the character it then needs missing (no `@`, no
 * `linkedin.com`, no top-level domain). The earlier patterns took 3 s on 32 KB of these.
 */
const ADVERSARIAL: Record<string, (size: number) => string> = {
  letters: (n) => 'a'.repeat(n),
  dotted: (n) => 'a.'.repeat(n / 2),
  hyphens: (n) => 'a-'.repeat(n / 2),
  encodedAt: (n) => 'a%40'.repeat(n / 4),
  domainWithoutTld: (n) => `a@${'b1.'.repeat(n / 3)}`,
  schemeAndLabels: (n) => `https://${'a.'.repeat(n / 2)}`,
  almostLinkedin: (n) => 'linkedin.co'.repeat(Math.ceil(n / 11)),
  phoneDigits: (n) => `+1 ${'12 '.repeat(n / 3)}`,
};

/** Median time of one call, each sample repeated until it lasts long enough to measure. */
function medianMs(run: () => void, samples = 5): number {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    let calls = 0;
    const started = performance.now();
    let elapsed: number;
    do {
      run();
      calls++;
      elapsed = performance.now() - started;
    } while (elapsed < 8);
    times.push(elapsed / calls);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

/**
 * Linear time means 8× the input costs about 8× the time; the earlier quadratic patterns cost
 * 64×. The bound (24×) leaves room for noise on a shared machine without letting n² through.
 * Ratios of medians, not absolute times, so a slow machine does not fail it.
 */
const SMALL = 4 * 1024;
const LARGE = 32 * 1024;
const MAX_RATIO = 24;

describe('scrubber patterns run in linear time', () => {
  for (const [pattern, re] of Object.entries(PATTERNS)) {
    for (const [shape, make] of Object.entries(ADVERSARIAL)) {
      it(`${pattern} on ${shape}`, () => {
        const small = make(SMALL);
        const large = make(LARGE);
        const replace = (s: string) => () => void s.replace(re, 'x');
        replace(large)(); // warm up the JIT on the large input too
        const ratio = medianMs(replace(large)) / medianMs(replace(small));
        expect(ratio, `time grew ${ratio.toFixed(1)}× for 8× the input`).toBeLessThan(MAX_RATIO);
      });
    }
  }

  it('scrubText scans at most MAX_TEXT_CHARS whatever the input size', () => {
    const ratio =
      medianMs(() => scrubText('a'.repeat(64 * MAX_TEXT_CHARS))) /
      medianMs(() => scrubText('a'.repeat(MAX_TEXT_CHARS)));
    // 64× the input, yet only the copy grows: the scan stays at MAX_TEXT_CHARS.
    expect(ratio).toBeLessThan(MAX_RATIO);
  });
});

describe('boundText', () => {
  it('keeps short text as it is', () => {
    expect(boundText('short')).toBe('short');
  });

  it('cuts long text and marks it', () => {
    const out = boundText('word '.repeat(MAX_TEXT_CHARS));
    expect(out.endsWith(TRUNCATED_MARK)).toBe(true);
    expect(out.length).toBeLessThanOrEqual(MAX_TEXT_CHARS + TRUNCATED_MARK.length);
  });

  it('drops a token cut in half rather than leaving half an email', () => {
    const email = 'jane.doe@example.com';
    const text = `${'x '.repeat(MAX_TEXT_CHARS / 2 - 5)}${email} tail`;
    const out = scrubText(text);
    expect(out).not.toContain('jane');
    expect(out.endsWith(TRUNCATED_MARK)).toBe(true);
  });
});
