import { describe, expect, it } from 'vitest';
import type { N8nClient } from '../../adapters/n8n/client.ts';
import { readExecutions } from './run.ts';

const NOW = new Date('2026-11-26T10:00:00Z');

describe('readExecutions with a cursor that loops', () => {
  it('fails the read as invalid_response instead of counting the same page again and again', async () => {
    let calls = 0;
    const n8n: Pick<N8nClient, 'listExecutions'> = {
      listExecutions: async () => {
        calls += 1;
        return {
          data: [
            {
              id: '1',
              finished: true,
              mode: 'webhook',
              startedAt: '2026-11-26T09:30:00.000Z',
              stoppedAt: '2026-11-26T09:30:01.000Z',
              workflowId: 'wf-a',
              status: 'error',
            },
          ],
          nextCursor: 'same-cursor',
        };
      },
    };
    const error = await readExecutions(n8n, new Date(NOW.getTime() - 3_600_000), NOW).then(
      (read) => read,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: 'N8nApiError', kind: 'invalid_response' });
    expect(calls).toBeLessThanOrEqual(2);
  });
});
