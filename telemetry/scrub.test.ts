import { SpanStatusCode } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { ErrorEvent } from '@sentry/core';
import { describe, expect, it } from 'vitest';
import {
  FILTERED,
  ScrubbingSpanExporter,
  scrubAttributes,
  scrubText,
  scrubValue,
  sentryBeforeBreadcrumb,
  sentryBeforeSend,
  sentryBeforeSendSpan,
} from './scrub.ts';

const EMAIL = 'jane.doe+crm@acme-corp.example.com';
const LINKEDIN = 'https://www.linkedin.com/in/jane-doe-1234/';
const PHONE = '+33 6 12 34 56 78';

describe('scrubText', () => {
  it.each([
    [`contact ${EMAIL} now`, 'contact [email] now'],
    ['GET /users?e=jane%40example.com', 'GET /users?e=[email]'],
    [`profile ${LINKEDIN} scraped`, 'profile [linkedin-url] scraped'],
    ['see linkedin.com/in/jdoe', 'see [linkedin-url]'],
    ['short lnkd.in/abc123 link', 'short [linkedin-url] link'],
    [`call ${PHONE}`, 'call [phone]'],
    ['call 06 12 34 56 78', 'call [phone]'],
    ['call 06.12.34.56.78', 'call [phone]'],
    ['call +1 (415) 555-0100', 'call [phone]'],
    ['call (415) 555-0100', 'call [phone]'],
    ['call 415-555-0100', 'call [phone]'],
    ['GET /callback?to=%2B33612345678 failed', 'GET /callback?to=[phone] failed'],
  ])('rewrites %j', (input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });

  it.each([
    'prospect 9f8e7d6c-1234-4abc-9def-0123456789ab not found',
    'at 2026-11-25T10:00:00.000Z, trace 4bf92f3577b34da6a3ce929d0e0e4736',
    'connect ECONNREFUSED 127.0.0.1:5432',
    'at run (file:///app/collectors/n8n/run.ts:120:17)',
    'campaign 123456789 sent 4200 emails in 3600 s',
  ])('keeps ids, dates, addresses and line numbers: %j', (input) => {
    expect(scrubText(input)).toBe(input);
  });

  // An escape's hex digits glued to the next word made it an id (`20Dupont`): a query string
  // or an escaped message kept the surname of `Jean%20Dupont`.
  it.each([
    ['GET /prospects?name=Jean%20Dupont', 'Dupont'],
    ['https://api.example/search?q=Am%C3%A9lie%20Okafor&page=2', 'Okafor'],
    ['no match for Jean\\u0020Dupont', 'Dupont'],
    ['no match for Jean\\x20Dupont', 'Dupont'],
  ])('redacts a name behind a percent or backslash escape: %j', (input, name) => {
    const out = scrubText(input);
    expect(out).not.toContain(name);
    expect(scrubText(out)).toBe(out);
  });

  it('keeps the escapes themselves and the known words around them', () => {
    expect(scrubText('GET /prospects?name=Jean%20Dupont&page=2')).toBe(
      'GET /prospects?name=[redacted]%20[redacted]&page=2',
    );
  });
});

describe('scrubValue', () => {
  it('filters name, body and credential fields at any depth and rewrites free text', () => {
    const input = {
      prospectId: 'p_1',
      full_name: 'Jane Doe',
      firstName: 'Jane',
      nested: { 'last-name': 'Doe', note: `mail ${EMAIL}`, list: [LINKEDIN, 42] },
      message_body: 'Hi Jane, …',
      html: '<p>Hi</p>',
      headers: { Authorization: 'Bearer abc', Cookie: 'sid=1', 'x-request-id': 'r1' },
      count: 3,
    };
    expect(scrubValue(input)).toEqual({
      prospectId: 'p_1',
      full_name: FILTERED,
      firstName: FILTERED,
      nested: { 'last-name': FILTERED, note: 'mail [email]', list: ['[linkedin-url]', 42] },
      message_body: FILTERED,
      html: FILTERED,
      headers: { Authorization: FILTERED, Cookie: FILTERED, 'x-request-id': 'r1' },
      count: 3,
    });
    expect(input.full_name).toBe('Jane Doe'); // input untouched
  });

  it('survives cycles', () => {
    const a: Record<string, unknown> = { note: EMAIL };
    a.self = a;
    expect(scrubValue(a)).toEqual({ note: '[email]', self: '[Circular]' });
  });
});

describe('Sentry hooks', () => {
  it('beforeSend removes every planted leak from an error event', () => {
    const event = {
      type: undefined,
      event_id: 'e1',
      message: `failed for ${EMAIL}`,
      exception: {
        values: [
          {
            type: 'Error',
            value: `No prospect ${EMAIL} at ${LINKEDIN}`,
            stacktrace: {
              frames: [
                {
                  filename: 'app.ts',
                  vars: { email: EMAIL, prospect: { full_name: 'Jane Doe' } },
                  context_line: `  send("${EMAIL}")`,
                },
              ],
            },
          },
        ],
      },
      breadcrumbs: [
        { category: 'fetch', message: `GET ${LINKEDIN}`, data: { url: LINKEDIN, phone: PHONE } },
      ],
      extra: { full_name: 'Jane Doe', prospectId: 'p_1', details: { text: 'Hello Jane' } },
      tags: { 'vigie.request_id': 'r1', email: EMAIL },
      user: { id: 'u_1', email: EMAIL, ip_address: '203.0.113.9', username: 'jdoe' },
      request: {
        method: 'POST',
        url: `https://app.example/api?email=${EMAIL}`,
        data: { email: EMAIL },
        cookies: { sid: 'secret' },
        headers: { authorization: 'Bearer abc', cookie: 'sid=1', 'user-agent': 'UA' },
      },
      contexts: {
        os: { name: 'Linux' },
        prospect: { name: 'Jane Doe', id: 'p_1' },
      },
    } as unknown as ErrorEvent;

    const out = sentryBeforeSend(event);
    const text = JSON.stringify(out);
    for (const leak of [
      EMAIL,
      'linkedin.com',
      '12 34 56 78',
      'Jane',
      'Doe',
      '203.0.113.9',
      'Bearer',
      'sid=1',
      'jdoe',
    ]) {
      expect(text).not.toContain(leak);
    }
    expect(out.user).toEqual({ id: 'u_1' });
    // The query string and every header go: the allow-list keeps method and path.
    expect(out.request).toEqual({ method: 'POST', url: 'https://app.example/api' });
    expect(out.extra).toEqual({
      full_name: FILTERED,
      prospectId: 'p_1',
      details: { text: FILTERED },
    });
    // Contexts we have no rule for (here a custom `prospect`) are not copied at all.
    expect(out.contexts).toEqual({ os: { name: 'Linux' } });
    expect(out.exception?.values?.[0]?.value).toBe('No prospect [email] at [linkedin-url]');
    expect(out.tags).toEqual({ 'vigie.request_id': 'r1', email: FILTERED });
  });

  it('beforeBreadcrumb scrubs a breadcrumb carrying a LinkedIn URL', () => {
    const out = sentryBeforeBreadcrumb({
      category: 'http',
      message: `scraped ${LINKEDIN}`,
      data: { url: LINKEDIN, status_code: 200 },
    });
    expect(out).toEqual({
      category: 'http',
      message: 'scraped [linkedin-url]',
      data: { url: '[linkedin-url]', status_code: 200 },
    });
  });

  // A query holds values, not routes: `%2B336…` is no `+33…` to the phone pattern, and a handle
  // with digits (`jdupont42`) reads as an id. Only the URL before `?` leaves, as for requests.
  const QUERY_URL = 'https://api.example/people?phone=%2B33612345678&user=jdupont42#top';

  it('beforeBreadcrumb keeps a fetch URL without its query string or fragment', () => {
    const out = sentryBeforeBreadcrumb({
      category: 'fetch',
      data: { method: 'GET', url: QUERY_URL, status_code: 200 },
    });
    expect(JSON.stringify(out)).not.toMatch(/33612345678|jdupont42/);
    expect(out).toEqual({
      category: 'fetch',
      data: { method: 'GET', url: 'https://api.example/people', status_code: 200 },
    });
  });

  it('keeps URL attributes without their query string and drops url.query', () => {
    const out = scrubAttributes({
      'url.full': QUERY_URL,
      'http.url': QUERY_URL,
      'http.target': '/people?phone=%2B33612345678&user=jdupont42',
      'url.query': 'phone=%2B33612345678&user=jdupont42',
      'url.path': '/people',
    });
    expect(JSON.stringify(out)).not.toMatch(/33612345678|jdupont42/);
    expect(out).toEqual({
      'url.full': 'https://api.example/people',
      'http.url': 'https://api.example/people',
      'http.target': '/people',
      'url.path': '/people',
    });
  });

  it('beforeSendSpan scrubs streamed span names and attributes', () => {
    const out = sentryBeforeSendSpan({
      trace_id: 't',
      span_id: 's',
      name: `lookup ${EMAIL}`,
      start_timestamp: 0,
      status: 'ok',
      is_segment: true,
      attributes: { 'enduser.phone': PHONE, 'db.note': `call ${PHONE}` },
    });
    expect(out.name).toBe('lookup [email]');
    expect(out.attributes).toEqual({ 'enduser.phone': FILTERED, 'db.note': 'call [phone]' });
  });
});

describe('ScrubbingSpanExporter', () => {
  it('scrubs span names, attributes, events and status messages on export', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new SimpleSpanProcessor({ exporter: new ScrubbingSpanExporter(memory) })],
    });
    const span = provider.getTracer('t').startSpan(`enrich ${EMAIL}`);
    span.setAttribute('prospect.contact', `reach me at ${PHONE}`);
    span.setAttribute('user.full_name', 'Jane Doe');
    span.setAttribute('prospect.id', 'p_1');
    span.recordException(new Error(`bounce from ${EMAIL}`));
    span.addEvent('scraped', { url: LINKEDIN });
    span.setStatus({ code: SpanStatusCode.ERROR, message: `failed for ${EMAIL}` });
    span.end();
    await provider.forceFlush();

    const [exported] = memory.getFinishedSpans();
    expect(exported?.name).toBe('enrich [email]');
    expect(exported?.attributes).toMatchObject({
      'prospect.contact': 'reach me at [phone]',
      'user.full_name': FILTERED,
      'prospect.id': 'p_1',
    });
    expect(exported?.events.map((e) => e.attributes)).toEqual([
      expect.objectContaining({ 'exception.message': 'bounce from [email]' }),
      { url: '[linkedin-url]' },
    ]);
    expect(exported?.status.message).toBe('failed for [email]');
    // The exported copy still answers spanContext() like the SDK span.
    expect(exported?.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    const text = JSON.stringify({
      ...exported,
      attributes: exported?.attributes,
      events: exported?.events,
    });
    expect(text).not.toContain(EMAIL);
    await provider.shutdown();
  });
});
