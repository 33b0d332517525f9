import { describe, expect, it } from 'vitest';
import { VigieError } from '../../core/errors.ts';
import { N8nApiError } from '../n8n/client.ts';
import { assertUuid, describeError, mergeResults } from './erasure.ts';

describe('mergeResults', () => {
  it('adds counts, unites lists and or-s flags of two runs of one step', () => {
    expect(
      mergeResults(
        { keysRemoved: ['b', 'a'], queueEntriesRemoved: 2, enrichmentDeleted: true },
        { keysRemoved: ['c', 'a'], queueEntriesRemoved: 0, enrichmentDeleted: false },
      ),
    ).toEqual({ keysRemoved: ['a', 'b', 'c'], queueEntriesRemoved: 2, enrichmentDeleted: true });
    expect(mergeResults(null, { n: 1 })).toEqual({ n: 1 });
  });
});

describe('describeError', () => {
  it('keeps our own messages and hides driver messages, which may quote data', () => {
    expect(describeError(new VigieError('UNAVAILABLE', 'n8n is down'))).toBe(
      'UNAVAILABLE: n8n is down',
    );
    expect(describeError(new N8nApiError('running', 'still running', 400))).toMatch(
      /^n8n running:/,
    );
    const driver = Object.assign(new Error('duplicate key (email)=(jane@example.test)'), {
      code: '23505',
    });
    expect(describeError(driver)).toBe('Error 23505: store unreachable or refused the command');
    expect(describeError(driver)).not.toContain('jane');
    // What n8n said is quoted in the message, and can name the prospect being erased.
    const said = new N8nApiError(
      'bad_request',
      'n8n answered 400 for DELETE /executions/42 (n8n said: Jean Dupont jean.dupont@example.test is locked)',
      400,
    );
    const stored = describeError(said);
    expect(stored).toMatch(/^n8n bad_request: .*executions\/42/);
    expect(stored).not.toMatch(/Jean|Dupont|jean\.dupont/);
  });
});

describe('assertUuid', () => {
  it('accepts UUIDs of any case and names the field in the error', () => {
    expect(() => assertUuid('6F1C2F4E-9A7B-4C1D-8E2F-0A1B2C3D4E5F', 'Prospect id')).not.toThrow();
    expect(() => assertUuid('6f1c2f4e', 'Prospect id')).toThrow(/Prospect id must be a UUID/);
  });
});
