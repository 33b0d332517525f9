import { describe, expect, it } from 'vitest';
import { normalizeLinkedinUrl, prospectKeys, redisKeys } from './redis-keys.ts';

describe('redis key layout', () => {
  it('names every key of a prospect from its id and LinkedIn URL', () => {
    const keys = prospectKeys({ id: 'p1', linkedinUrl: 'https://www.linkedin.com/in/jane/' });
    expect(keys.direct).toEqual([
      'app:enrich:p1',
      'app:prospect:p1:email-jobs',
      redisKeys.linkedinDedup('linkedin.com/in/jane'),
    ]);
    expect(keys.jobIndex).toBe('app:prospect:p1:email-jobs');
  });

  it('keeps personal data out of key names', () => {
    const key = redisKeys.linkedinDedup('https://linkedin.com/in/jane-doe');
    expect(key).not.toContain('jane');
    expect(key).toMatch(/^app:dedup:linkedin:[0-9a-f]{64}$/);
  });

  it('normalizes LinkedIn URLs so variants share one dedup key', () => {
    expect(normalizeLinkedinUrl('HTTPS://www.LinkedIn.com/in/Jane/?utm_source=x')).toBe(
      'linkedin.com/in/jane',
    );
  });
});
