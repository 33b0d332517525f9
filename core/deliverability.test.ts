import { describe, expect, it } from 'vitest';
import { checkDkim, checkDmarc, checkSpf, scoreDomain } from './deliverability.ts';

const allPass = { spf: 'pass', dkim: 'pass', dmarc: 'pass' } as const;
const quiet = { sent: 0, bounces: 0, complaints: 0 };

describe('scoreDomain', () => {
  it('is green with healthy rates and authentication', () => {
    const h = scoreDomain({
      last24h: { sent: 1000, bounces: 10, complaints: 0 },
      last7d: { sent: 7000, bounces: 70, complaints: 2 },
      dns: allPass,
    });
    expect(h.score).toBe('green');
    expect(h.failing).toEqual([]);
  });

  it('turns red on a 24 h bounce spike and names the signal', () => {
    const h = scoreDomain({
      last24h: { sent: 200, bounces: 24, complaints: 0 },
      last7d: { sent: 2000, bounces: 40, complaints: 0 },
      dns: allPass,
    });
    expect(h.score).toBe('red');
    expect(h.failing[0]).toMatchObject({ signal: 'bounce-rate-24h', score: 'red', critical: true });
  });

  it('uses the amber bands and the complaint thresholds', () => {
    const amber = scoreDomain({
      last24h: { sent: 1000, bounces: 30, complaints: 0 },
      last7d: quiet,
      dns: allPass,
    });
    expect(amber.score).toBe('amber');
    const complaints = scoreDomain({
      last24h: quiet,
      last7d: { sent: 10_000, bounces: 0, complaints: 10 },
      dns: allPass,
    });
    expect(complaints.failing[0]).toMatchObject({ signal: 'complaint-rate-7d', score: 'red' });
  });

  it('ignores rates under the minimum volume', () => {
    const h = scoreDomain({
      last24h: { sent: 10, bounces: 5, complaints: 1 },
      last7d: quiet,
      dns: allPass,
    });
    expect(h.score).toBe('green');
    expect(h.signals[0]?.note).toBe('insufficient-volume');
  });

  it('does not judge one complaint in a small volume, but does judge a repeated one', () => {
    // One complaint in 60 sends reads as 1.7% (over the 0.3% critical line): it is noise.
    const one = scoreDomain({
      last24h: { sent: 60, bounces: 0, complaints: 1 },
      last7d: { sent: 400, bounces: 0, complaints: 1 },
      dns: allPass,
    });
    expect(one.score).toBe('green');
    const single = scoreDomain({
      last24h: quiet,
      last7d: { sent: 1_200, bounces: 0, complaints: 1 },
      dns: allPass,
    });
    expect(single.signals.find((s) => s.signal === 'complaint-rate-7d')?.note).toBe(
      'too-few-events',
    );
    const repeated = scoreDomain({
      last24h: quiet,
      last7d: { sent: 1_200, bounces: 0, complaints: 4 },
      dns: allPass,
    });
    expect(repeated.failing[0]).toMatchObject({
      signal: 'complaint-rate-7d',
      score: 'red',
      critical: true,
    });
    const fewBounces = scoreDomain({
      last24h: quiet,
      last7d: { sent: 200, bounces: 4, complaints: 0 },
      dns: allPass,
    });
    expect(fewBounces.score).toBe('green');
  });

  it('is red when SPF or DKIM fails and amber when DMARC is missing', () => {
    expect(
      scoreDomain({ last24h: quiet, last7d: quiet, dns: { ...allPass, dkim: 'fail' } }).failing[0]
        ?.signal,
    ).toBe('dkim');
    expect(
      scoreDomain({ last24h: quiet, last7d: quiet, dns: { ...allPass, dmarc: 'fail' } }).score,
    ).toBe('amber');
    const unread = scoreDomain({
      last24h: quiet,
      last7d: quiet,
      dns: { ...allPass, spf: 'unknown' },
    });
    expect(unread).toMatchObject({ score: 'green', incomplete: true });
  });
});

describe('DNS record checks', () => {
  it('SPF: exactly one v=spf1 record', () => {
    expect(checkSpf(['v=spf1 include:amazonses.com ~all', 'google-site-verification=x'])).toBe(
      'pass',
    );
    expect(checkSpf(['v=spf1 -all', 'v=spf1 ~all'])).toBe('fail');
    expect(checkSpf([])).toBe('fail');
  });

  it('DKIM: v=DKIM1 with a key of at least 1024 bits', () => {
    expect(checkDkim([`v=DKIM1; k=rsa; p=${'A'.repeat(216)}`])).toBe('pass');
    expect(checkDkim([`v=DKIM1; k=rsa; p=${'A'.repeat(100)}`])).toBe('fail');
    expect(checkDkim(['v=DKIM1; p='])).toBe('fail');
  });

  it('DMARC: v=DMARC1 with a policy (p=none is enough)', () => {
    expect(checkDmarc(['v=DMARC1; p=none; rua=mailto:dmarc@example.test'])).toBe('pass');
    expect(checkDmarc(['v=DMARC1; rua=mailto:x@example.test'])).toBe('fail');
  });
});
