import { execFileSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../adapters/postgres/migrate.ts';
import { createPool } from '../../adapters/postgres/pool.ts';
import { parseConfig } from '../../core/config.ts';
import { type SnsMessage, stringToSign } from '../../core/sns-message.ts';
import { createTestDatabase, type TestDatabase } from '../../testkit/pg.ts';
import { onError, requestIdMiddleware } from '../errors.ts';
import { snsHookRoutes } from './aws-sns-hook.ts';

// A real RSA key and X.509 certificate (openssl), messages signed as SNS signs them, the real
// outbox in Postgres. Only the certificate download is replaced: the route asks for a URL on
// sns.<region>.amazonaws.com, which this machine cannot reach; the fetcher records each ask.
const TOPIC = 'arn:aws:sns:eu-west-3:123456789012:vigie-staging-alarms';
const CERT_URL =
  'https://sns.eu-west-3.amazonaws.com/SimpleNotificationService-0000000000000000000000.pem';
let db: TestDatabase;
let pool: pg.Pool;
let key = '';
let cert = '';
let app: Hono;
const fetched: string[] = [];
const confirmed: string[] = [];
// The certificate is valid from when openssl made it: the clock is the real one, messages
// are stamped half a minute before it.
const T0 = Date.now() + 60_000;
let now = new Date(T0);
const stamp = (offsetMs = -30_000) => new Date(T0 + offsetMs).toISOString();

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigie-sns-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '3650',
      '-subj',
      '/CN=sns.amazonaws.com',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  key = readFileSync(path.join(dir, 'key.pem'), 'utf8');
  cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  rmSync(dir, { recursive: true, force: true });
  db = await createTestDatabase();
  pool = createPool(db.url, { max: 2 });
  await migrate(pool);
  app = new Hono();
  app.use('*', requestIdMiddleware());
  app.onError(onError);
  app.route(
    '/',
    snsHookRoutes({
      config: parseConfig({ VIGIE_STAGE: 'staging', AWS_SNS_TOPIC_ARN: TOPIC }),
      pool,
      fetchCertificate: async (url) => {
        fetched.push(url.href);
        return cert;
      },
      confirm: async (url) => {
        confirmed.push(url.href);
      },
      now: () => now,
    }),
  );
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

beforeEach(() => {
  fetched.length = 0;
  confirmed.length = 0;
  now = new Date(T0);
});

let sequence = 0;
function alarm(
  state: 'ALARM' | 'OK',
  description: string,
  overrides: Partial<SnsMessage> = {},
  version: '1' | '2' = '2',
) {
  const message = {
    Type: 'Notification',
    MessageId: `msg-${(sequence += 1)}`,
    TopicArn: TOPIC,
    Subject: `ALARM: "vigie-staging-collector-cost-errors" in EU (Paris)`,
    Message: JSON.stringify({
      AlarmName: 'vigie-staging-collector-cost-errors',
      AlarmDescription: description,
      NewStateValue: state,
      NewStateReason: 'Threshold Crossed',
      StateChangeTime: '2026-11-30T09:59:30.000+0000',
      Region: 'EU (Paris)',
    }),
    Timestamp: stamp(),
    SignatureVersion: version,
    Signature: '',
    SigningCertURL: CERT_URL,
    UnsubscribeURL: 'https://sns.eu-west-3.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x',
    ...overrides,
  } as SnsMessage;
  return sign(message);
}

function sign(message: SnsMessage): SnsMessage {
  const signer = createSign(message.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  signer.update(stringToSign(message));
  return { ...message, Signature: signer.sign(key, 'base64') };
}

const post = (message: unknown) =>
  app.request('/hooks/aws/sns', {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': 'Notification',
    },
    body: JSON.stringify(message),
  });

const outbox = async () =>
  (
    await pool.query<{
      alert_id: string;
      labels: Record<string, string>;
      resolved_at: Date | null;
    }>('select alert_id, labels, resolved_at from alert_outbox order by id')
  ).rows;

describe('POST /hooks/aws/sns', () => {
  it('raises the catalog alert named by an ALARM (SignatureVersion 2) and resolves it on OK (version 1)', async () => {
    const raised = await post(
      alarm('ALARM', '[vigie:collector-lambda-alarm] Errors of collector cost'),
    );
    expect(raised.status).toBe(200);
    expect(await raised.json()).toMatchObject({ alertId: 'collector-lambda-alarm', raised: true });
    expect(fetched).toEqual([CERT_URL]);
    expect(await outbox()).toEqual([
      expect.objectContaining({
        alert_id: 'collector-lambda-alarm',
        labels: { alarm: 'vigie-staging-collector-cost-errors' },
        resolved_at: null,
      }),
    ]);
    const ok = await post(
      alarm('OK', '[vigie:collector-lambda-alarm] Errors of collector cost', {}, '1'),
    );
    expect(await ok.json()).toMatchObject({ resolved: true });
    expect((await outbox())[0]!.resolved_at).not.toBeNull();
  });

  it('a replayed OK signed before the current ALARM does not resolve it', async () => {
    await pool.query('truncate alert_outbox restart identity cascade');
    // Inside the replay window, validly signed: but the OK of an earlier episode.
    const earlierOk = alarm('OK', '[vigie:collector-lambda-alarm] x', {
      Timestamp: stamp(-40 * 60_000),
    });
    expect((await post(alarm('ALARM', '[vigie:collector-lambda-alarm] x'))).status).toBe(200);
    const replay = await post(earlierOk);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ resolved: false });
    expect((await outbox()).map((row) => row.resolved_at)).toEqual([null]);
  });

  it('refuses a message altered after signing, writing nothing', async () => {
    const before = (await outbox()).length;
    const signed = alarm('ALARM', '[vigie:collector-lambda-alarm] x');
    const forged = { ...signed, Message: signed.Message.replace('cost', 'retention-purge') };
    expect((await post(forged)).status).toBe(401);
    expect((await outbox()).length).toBe(before);
  });

  it.each([
    ['another host', 'https://sns.eu-west-3.amazonaws.com.evil.example/cert.pem'],
    ['plain HTTP', 'http://sns.eu-west-3.amazonaws.com/cert.pem'],
    ['not SNS', 'https://s3.eu-west-3.amazonaws.com/cert.pem'],
    ['another port', 'https://sns.eu-west-3.amazonaws.com:8443/cert.pem'],
    ['not a .pem', 'https://sns.eu-west-3.amazonaws.com/cert.txt'],
  ])('refuses a signing certificate from %s without fetching it', async (_what, url) => {
    expect(
      (await post(alarm('ALARM', '[vigie:collector-lambda-alarm] x', { SigningCertURL: url })))
        .status,
    ).toBe(401);
    expect(fetched).toEqual([]);
  });

  it('refuses a signature version SNS does not use', async () => {
    const message = {
      ...alarm('ALARM', '[vigie:collector-lambda-alarm] x'),
      SignatureVersion: '3',
    };
    expect((await post(message)).status).toBe(400);
  });

  it('refuses a validly signed message outside the replay window', async () => {
    const old = alarm('ALARM', '[vigie:collector-lambda-alarm] x', {
      Timestamp: stamp(-2 * 3_600_000),
    });
    expect((await post(old)).status).toBe(401);
    const future = alarm('ALARM', '[vigie:collector-lambda-alarm] x', {
      Timestamp: stamp(20 * 60_000),
    });
    expect((await post(future)).status).toBe(401);
    expect(
      (
        await post(
          alarm('ALARM', '[vigie:collector-lambda-alarm] x', { Timestamp: stamp(-50 * 60_000) }),
        )
      ).status,
    ).toBe(200);
  });

  it('refuses another topic, and a body that is not an SNS message', async () => {
    const other = alarm('ALARM', '[vigie:collector-lambda-alarm] x', {
      TopicArn: 'arn:aws:sns:eu-west-3:999999999999:someone-else',
    });
    expect((await post(other)).status).toBe(403);
    expect((await post({ hello: 'world' })).status).toBe(400);
  });

  it('answers 400 for an alarm without a known catalog alert id, writing nothing', async () => {
    const before = (await outbox()).length;
    expect((await post(alarm('ALARM', 'no tag here'))).status).toBe(400);
    expect((await post(alarm('ALARM', '[vigie:no-such-alert] x'))).status).toBe(400);
    expect((await outbox()).length).toBe(before);
  });

  it("confirms a verified SubscriptionConfirmation on the topic region's SNS endpoint only", async () => {
    const subscribeUrl = `https://sns.eu-west-3.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=abc`;
    const confirmation = sign({
      Type: 'SubscriptionConfirmation',
      MessageId: 'confirm-1',
      Token: 'abc',
      TopicArn: TOPIC,
      Message: 'You have chosen to subscribe to the topic.',
      SubscribeURL: subscribeUrl,
      Timestamp: stamp(),
      SignatureVersion: '1',
      Signature: '',
      SigningCertURL: CERT_URL,
    } as SnsMessage);
    const answer = await post(confirmation);
    expect(answer.status).toBe(200);
    expect(confirmed).toEqual([subscribeUrl]);

    const elsewhere = sign({
      ...confirmation,
      SubscribeURL: 'https://evil.example/?Action=ConfirmSubscription',
    } as SnsMessage);
    expect((await post(elsewhere)).status).toBe(401);
    expect(confirmed).toEqual([subscribeUrl]);
  });
});
