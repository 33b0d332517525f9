import { dailyApiTraffic } from '../../adapters/prometheus/query.ts';
import { createSmtpTransport } from '../../adapters/alerts/email.ts';
import { raise } from '../../adapters/alerts/outbox.ts';
import { createBetterStackClient } from '../../adapters/betterstack/client.ts';
import { createN8nClient } from '../../adapters/n8n/client.ts';
import { sentryDailyErrors } from '../../adapters/sentry/stats.ts';
import { type Config, requireSettings } from '../../core/config.ts';
import { costSources } from '../cost/sources.ts';
import { type CollectorRunner, withPool } from '../shared/wiring.ts';
import { run, type WeeklySummaryDeps } from './run.ts';

export const runner: CollectorRunner = async (config, now) => {
  const c = requireSettings(
    config,
    ['DATABASE_URL', 'SMTP_URL', 'REPORT_EMAIL_TO'],
    'The weekly-summary collector',
  );
  const transport = createSmtpTransport(c.SMTP_URL);
  try {
    return await withPool(c.DATABASE_URL, (db) =>
      run(
        {
          db,
          raise,
          timeZone: c.VIGIE_TIMEZONE,
          from: c.MAIL_FROM,
          to: c.REPORT_EMAIL_TO,
          sendMail: async (m) => {
            await transport.sendMail(m);
          },
          ...(c.BETTERSTACK_API_TOKEN
            ? {
                betterstack: createBetterStackClient({
                  baseUrl: requireSettings(c, ['BETTERSTACK_BASE_URL'], 'Better Stack')
                    .BETTERSTACK_BASE_URL,
                  token: c.BETTERSTACK_API_TOKEN,
                }),
              }
            : {}),
          ...(c.N8N_API_KEY
            ? {
                n8n: createN8nClient({
                  baseUrl: requireSettings(c, ['N8N_BASE_URL'], 'n8n').N8N_BASE_URL,
                  apiKey: c.N8N_API_KEY,
                }),
              }
            : {}),
          cost: costSources(c),
          ...sentryErrors(c),
          ...prometheusTraffic(c),
        },
        now,
      ),
    );
  } finally {
    transport.close();
  }
};

/** The weekly summary's error counts from Sentry's org stats, when a Sentry auth token is set. */
/** The API error rate from Prometheus, when PROMETHEUS_QUERY_URL is set. */
function prometheusTraffic(c: Config): Pick<WeeklySummaryDeps, 'apiTraffic'> {
  const baseUrl = c.PROMETHEUS_QUERY_URL;
  if (!baseUrl) return {};
  const api = { baseUrl, user: c.PROMETHEUS_QUERY_USER, token: c.PROMETHEUS_QUERY_TOKEN };
  return { apiTraffic: (days) => dailyApiTraffic(api, days, c.VIGIE_STAGE) };
}

function sentryErrors(c: Config): Pick<WeeklySummaryDeps, 'errors'> {
  const authToken = c.SENTRY_AUTH_TOKEN;
  if (!authToken) return {};
  const { SENTRY_API_BASE_URL: baseUrl, SENTRY_ORG: org } = requireSettings(
    c,
    ['SENTRY_API_BASE_URL', 'SENTRY_ORG'],
    'Sentry stats (SENTRY_AUTH_TOKEN is set)',
  );
  return { errors: (start, end) => sentryDailyErrors({ baseUrl, org, authToken }, start, end) };
}
