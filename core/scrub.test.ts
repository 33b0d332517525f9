import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_TEXT_CHARS,
  PATTERNS,
  REDACTED,
  TRUNCATED_MARK,
  boundText,
  scrubAttributes,
  scrubText,
} from './scrub.ts';

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

/**
 * CPU time of this thread, in ms. Not wall time: on a shared machine wall time also counts
 * whatever the scheduler gave other processes meanwhile (several ms per slice), which made the
 * ratios below swing; the thread's own CPU time is what a call costs.
 */
function cpuMs(): number {
  const { user, system } = process.threadCpuUsage();
  return (user + system) / 1000;
}

/** CPU time of one call, repeated until the sample holds enough CPU time to measure. */
function msPerCall(run: () => void): number {
  let calls = 0;
  const started = cpuMs();
  let elapsed: number;
  do {
    run();
    calls++;
    elapsed = cpuMs() - started;
  } while (elapsed < 20);
  return elapsed / calls;
}

/**
 * How much longer `large` takes than `small`: samples interleaved, and the fastest of each
 * kept (interference — caches, a GC — only ever adds time).
 */
function timeRatio(large: () => void, small: () => void, samples = 7): number {
  large(); // warm up the JIT on both inputs
  small();
  let bestLarge = Number.POSITIVE_INFINITY;
  let bestSmall = Number.POSITIVE_INFINITY;
  for (let i = 0; i < samples; i++) {
    bestSmall = Math.min(bestSmall, msPerCall(small));
    bestLarge = Math.min(bestLarge, msPerCall(large));
  }
  return bestLarge / bestSmall;
}

/**
 * Sizes 16× apart: linear time costs about 16× (measured 15×), quadratic about 256× (the
 * control below measures 170–200×; the earlier patterns cost 40–77× for 8×). The bound sits
 * 4× above the one and 4× below the other, so neither noise passes for a regression nor a
 * regression for noise. Ratios of CPU times, not absolute times: a slow machine does not fail it.
 */
const SMALL = 2 * 1024;
const LARGE = 32 * 1024;
const MAX_RATIO = 64;

describe('the linear-time measure', () => {
  it('catches a quadratic pattern (a control: the checks below can fail)', () => {
    // `\w+` runs to the end from every start, then gives up for lack of `@`: n²/2 steps.
    const quadratic = /\w+@/g;
    const run = (n: number) => () => void 'a'.repeat(n).replace(quadratic, 'x');
    // Smaller sizes, same 16× apart: quadratic at 32 KiB takes seconds a call.
    const ratio = timeRatio(run(LARGE / 8), run(SMALL / 8));
    expect(ratio, `time grew ${ratio.toFixed(1)}× for 16× the input`).toBeGreaterThan(MAX_RATIO);
  });
});

describe('scrubber patterns run in linear time', () => {
  for (const [pattern, re] of Object.entries(PATTERNS)) {
    for (const [shape, make] of Object.entries(ADVERSARIAL)) {
      it(`${pattern} on ${shape}`, () => {
        const small = make(SMALL);
        const large = make(LARGE);
        const replace = (s: string) => () => void s.replace(re, 'x');
        const ratio = timeRatio(replace(large), replace(small));
        expect(ratio, `time grew ${ratio.toFixed(1)}× for 16× the input`).toBeLessThan(MAX_RATIO);
      });
    }
  }

  it('scrubText scans at most MAX_TEXT_CHARS whatever the input size', () => {
    const huge = 'a'.repeat(64 * MAX_TEXT_CHARS);
    const bounded = 'a'.repeat(MAX_TEXT_CHARS);
    const ratio = timeRatio(
      () => scrubText(huge),
      () => scrubText(bounded),
    );
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

describe('UUIDs', () => {
  it('pass whole, alone or in text and span attributes, whatever their groups (property)', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.boolean(),
        fc.constantFrom('', 'request ', 'GET /prospects/', 'erasure request=', '('),
        (generated, upper, before) => {
          const uuid = upper ? generated.toUpperCase() : generated;
          expect(scrubText(uuid)).toBe(uuid);
          expect(scrubText(`${before}${uuid} failed`)).toBe(`${before}${uuid} failed`);
          expect(scrubAttributes({ 'vigie.request_id': uuid })).toEqual({
            'vigie.request_id': uuid,
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keep groups made only of letters or shaped like a phone number, and names around them are still redacted', () => {
    const letters = '3f0a6c2e-beef-4a1b-9c3d-0123456789ab';
    const digits = '12345678-0612-3456-7890-123456789012';
    expect(scrubText(`Jane Dupont ${letters}`)).toBe(`${REDACTED} ${REDACTED} ${letters}`);
    expect(scrubText(`${digits} for Jane`)).toBe(`${digits} for ${REDACTED}`);
    // Not a UUID (a name glued to it, a group too short): scrubbed as before.
    expect(scrubText(`Jane${letters}`)).not.toContain('beef');
    expect(scrubText('3f0a6c2e-beef-4a1b-9c3d')).toBe(`3f0a6c2e-${REDACTED}-4a1b-9c3d`);
  });
});
