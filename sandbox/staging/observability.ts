/**
 * Where telemetry and alerts go in local staging: the Sentry and OTLP receivers, the Slack
 * incoming webhook and the SMTP capture server, each on 127.0.0.1 with a random port (or the
 * real service when its setting is in the caller's environment).
 */
import { randomBytes } from 'node:crypto';
import { startOtlpStandIn, type OtlpStandIn } from '../otlp/server.ts';
import { startSentryStandIn, type SentryStandIn } from '../sentry/server.ts';
import { startSlackStandIn, type SlackStandIn } from '../slack/server.ts';
import { startSmtpStandIn, type SmtpStandIn } from '../smtp/server.ts';
import { fromEnv, isSet, origin, type LaunchContext, type ServiceEntry } from './context.ts';

export interface ObservabilityStandIns {
  sentry?: SentryStandIn;
  otlp?: OtlpStandIn;
  slack?: SlackStandIn;
  smtp?: SmtpStandIn;
}

export async function startObservability(ctx: LaunchContext): Promise<{
  settings: Record<string, string>;
  services: ServiceEntry[];
  standIns: ObservabilityStandIns;
}> {
  const settings: Record<string, string> = {};
  const services: ServiceEntry[] = [];
  const standIns: ObservabilityStandIns = {};
  // URLs from env may hold keys (a DSN's public key, a webhook's secret path): show the origin.
  const envService = (name: string, setting: string) => {
    const value = ctx.env[setting];
    if (value) services.push({ name, url: origin(value), from: 'env' });
  };

  if (fromEnv(ctx, 'SENTRY_DSN', ['SENTRY_BROWSER_DSN', 'SENTRY_AUTH_TOKEN'])) {
    envService('Sentry', 'SENTRY_DSN');
  } else {
    const sentry = await startSentryStandIn({
      authToken: randomBytes(18).toString('base64url'),
      now: ctx.clock.now,
    });
    ctx.defer(sentry.close);
    standIns.sentry = sentry;
    // One project for the backend and the frontend: the tunnel allows both settings' DSNs.
    settings.SENTRY_DSN = sentry.dsn;
    settings.SENTRY_BROWSER_DSN = sentry.dsn;
    // The org stats API the weekly summary reads its error counts from.
    settings.SENTRY_API_BASE_URL = sentry.url;
    settings.SENTRY_ORG = sentry.org;
    settings.SENTRY_AUTH_TOKEN = sentry.authToken;
    services.push({ name: 'Sentry (envelopes)', url: sentry.url, from: 'stand-in' });
  }

  if (fromEnv(ctx, 'OTEL_EXPORTER_OTLP_ENDPOINT')) {
    envService('OTLP', 'OTEL_EXPORTER_OTLP_ENDPOINT');
  } else {
    const otlp = await startOtlpStandIn();
    ctx.defer(otlp.close);
    standIns.otlp = otlp;
    settings.OTEL_EXPORTER_OTLP_ENDPOINT = otlp.url;
    services.push({ name: 'OTLP (traces, metrics)', url: otlp.url, from: 'stand-in' });
  }

  if (fromEnv(ctx, 'SLACK_WEBHOOK_URL')) {
    envService('Slack webhook', 'SLACK_WEBHOOK_URL');
  } else {
    const slack = await startSlackStandIn();
    ctx.defer(slack.close);
    standIns.slack = slack;
    settings.SLACK_WEBHOOK_URL = slack.webhookUrl();
    services.push({ name: 'Slack (incoming webhook)', url: slack.url, from: 'stand-in' });
  }

  if (fromEnv(ctx, 'SMTP_URL')) {
    envService('SMTP', 'SMTP_URL');
  } else {
    const smtp = await startSmtpStandIn();
    ctx.defer(smtp.close);
    standIns.smtp = smtp;
    settings.SMTP_URL = smtp.url;
    services.push({ name: 'SMTP (capture)', url: smtp.url, from: 'stand-in' });
  }
  // Role addresses, not people: the capture server keeps whatever is sent to them.
  if (!isSet(ctx.env, 'ALERT_EMAIL_TO')) settings.ALERT_EMAIL_TO = 'oncall@localhost.test';
  if (!isSet(ctx.env, 'REPORT_EMAIL_TO')) settings.REPORT_EMAIL_TO = 'founder@localhost.test';

  return { settings, services, standIns };
}
