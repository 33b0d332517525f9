import { describe, expect, it } from 'vitest';
import { N8nApiError } from '../../adapters/n8n/client.ts';
import { unreadFrom } from './tick.ts';

/**
 * A summary's `unread` entries are printed by `vigie run` and returned by every collector
 * Lambda: a driver's or provider's message quoting a row must not reach them as it was.
 */
describe('unreadFrom', () => {
  it('keeps personal data quoted by a Postgres error out of the message', () => {
    const error = Object.assign(
      new Error(
        'duplicate key value violates unique constraint "prospects_email_key": Key (email)=(jean.dupont@example.com) already exists; row (Jean Dupont, +33 6 12 34 56 78)',
      ),
      { code: '23505' },
    );
    const unread = unreadFrom('postgres.users', error);
    expect(unread.reason).toBe('23505');
    for (const leak of ['jean.dupont', 'Jean', 'Dupont', '12 34 56']) {
      expect(unread.message).not.toContain(leak);
    }
    expect(unread.message).toContain('duplicate key value violates unique constraint');
  });

  it('keeps what n8n said about a prospect out, and the ids and codes in', () => {
    const error = new N8nApiError(
      'bad_request',
      'n8n rejected GET /executions/231 with HTTP 400 (n8n said: Amélie Okafor has no profile at https://www.linkedin.com/in/amelie-okafor-42).',
      400,
    );
    const unread = unreadFrom('n8n.executions', error);
    expect(unread.reason).toBe('bad_request');
    for (const leak of ['Amélie', 'Okafor', 'amelie-okafor', 'linkedin.com']) {
      expect(unread.message).not.toContain(leak);
    }
    expect(unread.message).toContain('n8n rejected GET /executions/231 with HTTP 400');
  });
});
