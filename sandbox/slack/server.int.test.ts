import { IncomingWebhook, IncomingWebhookHTTPError } from '@slack/webhook';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postToSlack } from '../../adapters/alerts/slack-post.ts';
import { startSlackStandIn, type SlackStandIn } from './server.ts';

// Driven through @slack/webhook (what the app sends with, via `postToSlack`), held to Slack's
// incoming-webhook docs: 200 `ok`, plain-text error codes with their statuses, 429 + Retry-After.
let slack: SlackStandIn;
let clock = Date.parse('2026-11-30T09:00:00Z');
let seq = 0;
let hook = '';

beforeAll(async () => {
  slack = await startSlackStandIn({ now: () => clock });
});
afterAll(async () => {
  await slack.close();
});
afterEach(() => {
  Object.assign(slack.faults, { mode: 'none', latencyMs: 0, retryAfterSeconds: 30 });
  slack.setMode({ kind: 'ok' });
  clock += 60_000;
});

/** A fresh webhook (its own rate-limit bucket) per call. */
function webhook(): string {
  seq += 1;
  hook = `BHOOK${seq}`;
  return slack.webhookUrl(hook);
}

const post = (url: string, message: object = { text: 'hello' }, timeoutMs = 2_000) =>
  postToSlack(url, message, { timeoutMs });

describe('Slack incoming-webhook stand-in through @slack/webhook', () => {
  it('accepts a message with 200 "ok" and records it', async () => {
    const url = webhook();
    expect(await new IncomingWebhook(url).send({ text: 'deploy finished' })).toEqual({
      text: 'ok',
    });
    expect(slack.messages.at(-1)).toMatchObject({
      webhook: hook,
      body: { text: 'deploy finished' },
    });
    expect(slack.attempts.at(-1)).toMatchObject({ webhook: hook, status: 200, body: 'ok' });
  });

  it('documented errors: plain-text codes with their HTTP statuses, surfaced by the client', async () => {
    const url = webhook();
    const error = await new IncomingWebhook(url).send({ text: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IncomingWebhookHTTPError);
    expect(error).toMatchObject({ statusCode: 400, body: 'no_text' });
    clock += 60_000;
    const many = { text: 'x', attachments: Array.from({ length: 101 }, () => ({ fallback: 'a' })) };
    expect(await post(url, many)).toMatchObject({ status: 400, body: 'too_many_attachments' });
    for (const [code, status] of [
      ['channel_is_archived', 410],
      ['no_service', 404],
      ['action_prohibited', 403],
    ] as const) {
      slack.setMode({ kind: 'terminal', code }, hook);
      expect(await post(url)).toEqual({ status, body: code, retryAfter: null });
    }
    const raw = await fetch(slack.webhookUrl('BRAW'), { method: 'POST', body: '{not json' });
    expect([raw.status, await raw.text()]).toEqual([400, 'invalid_payload']);
    const get = await fetch(url);
    expect([get.status, await get.text()]).toEqual([405, 'invalid_method']);
    const unknown = await fetch(`${slack.url}/services/nope`, { method: 'POST', body: '{}' });
    expect([unknown.status, await unknown.text()]).toEqual([404, 'no_service']);
  });

  it('about one message per second per webhook: the next gets 429 with Retry-After', async () => {
    const url = webhook();
    expect(await post(url)).toMatchObject({ status: 200 });
    expect(await post(url)).toEqual({ status: 429, body: 'rate_limited', retryAfter: '1' });
    clock += 1_000;
    expect(await post(url)).toMatchObject({ status: 200 });
  });

  describe('the shared fault switches (faults.mode, faults.latencyMs) with Slack-shaped answers', () => {
    it('server-error: 503 "service_unavailable", for every webhook', async () => {
      slack.faults.mode = 'server-error';
      expect(await post(webhook())).toEqual({
        status: 503,
        body: 'service_unavailable',
        retryAfter: null,
      });
      expect(await post(webhook())).toMatchObject({ status: 503 });
      expect(slack.attempts.at(-1)).toMatchObject({ webhook: hook, status: 503 });
    });

    it('rate-limited: 429 with the configured Retry-After, and nothing posted', async () => {
      Object.assign(slack.faults, { mode: 'rate-limited', retryAfterSeconds: 12 });
      const before = slack.messages.length;
      expect(await post(webhook())).toEqual({
        status: 429,
        body: 'rate_limited',
        retryAfter: '12',
      });
      expect(slack.messages.length).toBe(before);
      expect(slack.attempts.at(-1)).toMatchObject({ status: 429, retryAfter: 12 });
    });

    it('malformed: a 200 whose body is cut short', async () => {
      slack.faults.mode = 'malformed';
      expect(await post(webhook())).toEqual({ status: 200, body: 'o', retryAfter: null });
    });

    it('no-answer and latency beyond the client timeout: a network error, never a success', async () => {
      slack.faults.mode = 'no-answer';
      expect(await post(webhook(), undefined, 200)).toEqual({ networkError: expect.any(String) });
      slack.faults.mode = 'none';
      slack.faults.latencyMs = 1_000;
      expect(await post(webhook(), undefined, 100)).toEqual({ networkError: expect.any(String) });
      slack.faults.latencyMs = 0;
      expect(await post(webhook())).toMatchObject({ status: 200 });
    });
  });

  it('setMode outage "reset" drops the connection', async () => {
    const url = webhook();
    slack.setMode({ kind: 'outage', style: 'reset' }, hook);
    expect(await post(url)).toEqual({ networkError: expect.any(String) });
    // By webhook: a delayed request of an earlier test may still be finishing.
    expect(slack.attempts.filter((a) => a.webhook === hook)).toEqual([
      expect.objectContaining({ status: 'reset' }),
    ]);
  });
});
