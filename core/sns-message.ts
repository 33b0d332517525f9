import * as z from 'zod';
import { VigieError } from './errors.ts';

/**
 * Amazon SNS HTTP(S) deliveries (docs/aws-sns.md): the message shapes, the string each
 * signature covers, where the signing certificate may come from, and the CloudWatch alarm a
 * notification carries. Pure: fetching the certificate and checking the signature are in
 * `adapters/aws/sns-signature.ts`.
 */
const common = {
  MessageId: z.string().min(1),
  TopicArn: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
    message: 'expected an SNS topic ARN',
  }),
  Message: z.string(),
  Timestamp: z.iso.datetime({ message: 'expected an ISO 8601 timestamp' }),
  SignatureVersion: z.enum(['1', '2'], { message: 'expected SignatureVersion 1 or 2' }),
  Signature: z.string().min(1),
  SigningCertURL: z.url(),
};

export const snsMessageSchema = z.discriminatedUnion('Type', [
  z.looseObject({
    Type: z.literal('Notification'),
    ...common,
    Subject: z.string().optional(),
    UnsubscribeURL: z.url().optional(),
  }),
  z.looseObject({
    Type: z.enum(['SubscriptionConfirmation', 'UnsubscribeConfirmation']),
    ...common,
    Token: z.string().min(1),
    SubscribeURL: z.url(),
  }),
]);

export type SnsMessage = z.infer<typeof snsMessageSchema>;

/** Parses a delivery body, naming every bad field. */
export function parseSnsMessage(body: unknown): SnsMessage {
  const parsed = snsMessageSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new VigieError(
    'BAD_REQUEST',
    `Not an SNS message: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}.`,
  );
}

/**
 * The string the signature covers: chosen fields as `Name\nvalue\n`, in this order, `Subject`
 * only when present (docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html).
 */
export function stringToSign(message: SnsMessage): string {
  const fields =
    message.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const record = message as Record<string, unknown>;
  return fields
    .filter((name) => typeof record[name] === 'string')
    .map((name) => `${name}\n${record[name] as string}\n`)
    .join('');
}

/** SNS's own hosts only: `sns.<region>.amazonaws.com` (and the China partition). */
const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** The certificate URL must be HTTPS on an SNS host and name a `.pem`: anything else is forged. */
export function checkSigningCertUrl(url: string): URL {
  const parsed = new URL(url);
  if (
    parsed.protocol !== 'https:' ||
    !SNS_HOST.test(parsed.hostname) ||
    parsed.port !== '' ||
    !parsed.pathname.endsWith('.pem')
  ) {
    throw new VigieError('UNAUTHENTICATED', 'SNS signing certificate URL is not an SNS host.');
  }
  return parsed;
}

/** SubscribeURL too: confirming must only ever call SNS itself. */
export function checkSubscribeUrl(url: string, topicArn: string): URL {
  const parsed = new URL(url);
  const region = topicArn.split(':')[3];
  if (
    parsed.protocol !== 'https:' ||
    parsed.hostname !== `sns.${region}.amazonaws.com` ||
    parsed.searchParams.get('Action') !== 'ConfirmSubscription'
  ) {
    throw new VigieError(
      'UNAUTHENTICATED',
      "SNS SubscribeURL is not the topic region's SNS endpoint.",
    );
  }
  return parsed;
}

/**
 * Replay window: a message older than `maxAgeMs` (or from the future beyond the skew) is
 * refused even with a valid signature. SNS signs its `Timestamp`, so it cannot be refreshed.
 */
export function checkFreshness(
  message: SnsMessage,
  now: Date,
  maxAgeMs = 3_600_000,
  skewMs = 300_000,
): void {
  const at = Date.parse(message.Timestamp);
  if (at < now.getTime() - maxAgeMs || at > now.getTime() + skewMs) {
    throw new VigieError('UNAUTHENTICATED', 'SNS message is outside the replay window.');
  }
}

/** A CloudWatch alarm state change, as SNS carries it in `Message` (JSON). */
const alarmSchema = z.looseObject({
  AlarmName: z.string().min(1),
  AlarmDescription: z.string().nullish(),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  StateChangeTime: z.string().optional(),
});

export interface AlarmChange {
  alertId: string;
  alarmName: string;
  state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
}

/** `[vigie:<alert-id>] …` at the start of the alarm's description names the catalog alert. */
export const ALARM_ALERT_TAG = /^\[vigie:([a-z0-9]+(?:-[a-z0-9]+)*)\]/;

export function parseAlarm(message: string): AlarmChange {
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    throw new VigieError(
      'BAD_REQUEST',
      'SNS notification is not a CloudWatch alarm (Message is not JSON).',
    );
  }
  const alarm = alarmSchema.safeParse(json);
  if (!alarm.success) {
    throw new VigieError('BAD_REQUEST', 'SNS notification is not a CloudWatch alarm state change.');
  }
  const tag = ALARM_ALERT_TAG.exec(alarm.data.AlarmDescription ?? '');
  if (!tag) {
    throw new VigieError(
      'BAD_REQUEST',
      'CloudWatch alarm has no [vigie:<alert-id>] in its description.',
    );
  }
  return { alertId: tag[1]!, alarmName: alarm.data.AlarmName, state: alarm.data.NewStateValue };
}
