import { describe, expect, it } from 'vitest';
import { classifySlackAnswer, parseRetryAfter } from './slack-response.ts';

const now = new Date('2026-11-26T09:00:00Z');

describe('Slack webhook answers', () => {
  it('treats 200 ok as delivered', () => {
    expect(classifySlackAnswer({ status: 200, body: 'ok', retryAfter: null }, now)).toEqual({
      kind: 'ok',
    });
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(classifySlackAnswer({ status: 429, body: '', retryAfter: '30' }, now)).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 30_000,
    });
    expect(parseRetryAfter('Thu, 26 Nov 2026 09:00:12 GMT', now)).toBe(12_000);
    expect(parseRetryAfter(null, now)).toBe(5_000);
  });

  it('retries 5xx and network errors', () => {
    expect(classifySlackAnswer({ status: 503, body: '', retryAfter: null }, now).kind).toBe(
      'retryable',
    );
    expect(classifySlackAnswer({ networkError: 'ECONNRESET' }, now)).toEqual({
      kind: 'retryable',
      reason: 'ECONNRESET',
    });
  });

  it('tells a dead webhook from a bad message', () => {
    expect(
      classifySlackAnswer({ status: 410, body: 'channel_is_archived', retryAfter: null }, now),
    ).toEqual({ kind: 'terminal', scope: 'webhook', status: 410, code: 'channel_is_archived' });
    expect(
      classifySlackAnswer({ status: 404, body: 'no_service', retryAfter: null }, now),
    ).toMatchObject({ scope: 'webhook', code: 'no_service' });
    expect(
      classifySlackAnswer({ status: 400, body: 'invalid_payload', retryAfter: null }, now),
    ).toMatchObject({ kind: 'terminal', scope: 'message' });
    expect(
      classifySlackAnswer({ status: 403, body: '<html>', retryAfter: null }, now),
    ).toMatchObject({
      scope: 'webhook',
      code: 'http_403',
    });
  });
});
