import nodemailer from 'nodemailer';

/** What the dispatcher needs from a mail transport; a nodemailer transporter fits. */
export interface EmailTransport {
  sendMail(message: { from: string; to: string; subject: string; text: string }): Promise<unknown>;
}

/**
 * SMTP via nodemailer: the same transport locally (the capture server in `sandbox/smtp`) and in
 * prod (SES's SMTP interface). `SMTP_URL` is `smtp://user:pass@host:port` or `smtps://…`.
 */
export function createSmtpTransport(smtpUrl: string): EmailTransport & { close(): void } {
  return nodemailer.createTransport(smtpUrl);
}
