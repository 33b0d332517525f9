/**
 * Capture SMTP server: accepts every message and keeps it, parsed, for tests and drills.
 * Built on `smtp-server` (nodemailer.com/extras/smtp-server) and parsed with `mailparser`
 * (nodemailer.com/extras/mailparser); speaks plain SMTP (RFC 5321) on 127.0.0.1 with no TLS
 * and optional AUTH, which is what nodemailer's `smtp://` transport uses locally.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

export interface CapturedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The HTML part as sent (mailparser's `textAsHtml` is not used), or null without one. */
  html: string | null;
  receivedAt: number;
}

export interface SmtpStandIn {
  /** `smtp://127.0.0.1:<port>` for nodemailer. */
  url: string;
  messages: CapturedMail[];
  /** Refuse every message with this SMTP reply code (e.g. 451 for a transient failure). */
  failWith(code: number | null): void;
  close(): Promise<void>;
}

export async function startSmtpStandIn(options: { port?: number } = {}): Promise<SmtpStandIn> {
  const messages: CapturedMail[] = [];
  let failCode: number | null = null;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'local' });
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          if (failCode !== null) {
            const error = Object.assign(new Error('refused (fault injected)'), {
              responseCode: failCode,
            });
            callback(error);
            return;
          }
          messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : null,
            receivedAt: Date.now(),
          });
          callback();
        })
        .catch((error: unknown) => callback(error as Error));
    },
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    failWith(code) {
      failCode = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
