import { describe, expect, it } from 'vitest';
import { readinessStep } from './readiness.ts';

describe('readinessStep', () => {
  it('raises from the second failure in a row, with the count, and not for a single blip', () => {
    const one = readinessStep({}, { postgres: 'up', redis: 'down', n8n: 'up' });
    expect(one).toEqual({ streaks: { redis: 1 }, raise: [], resolve: [] });
    const two = readinessStep(one.streaks, { postgres: 'up', redis: 'down', n8n: 'down' });
    expect(two).toEqual({
      streaks: { redis: 2, n8n: 1 },
      raise: [{ check: 'redis', failures: 2 }],
      resolve: [],
    });
    const three = readinessStep(two.streaks, { postgres: 'up', redis: 'down', n8n: 'up' });
    expect(three.raise).toEqual([{ check: 'redis', failures: 3 }]);
    // n8n failed once only: nothing was raised, so nothing to resolve.
    expect(three.resolve).toEqual([]);
  });

  it('resolves a raised check on its first pass, and a blip restarts the count', () => {
    const raised = readinessStep({ n8n: 4 }, { n8n: 'up' });
    expect(raised).toEqual({ streaks: {}, raise: [], resolve: ['n8n'] });
    expect(readinessStep(raised.streaks, { n8n: 'down' }).raise).toEqual([]);
  });

  it('neither counts nor resolves a check that is not configured', () => {
    expect(readinessStep({ n8n: 3 }, { n8n: 'not_configured' })).toEqual({
      streaks: { n8n: 3 },
      raise: [],
      resolve: [],
    });
  });
});
