import { Hono } from 'hono';
import { raise, resolve } from '../../adapters/alerts/outbox.ts';
import {
  cachedCertificateFetcher,
  type CertificateFetcher,
  verifySnsSignature,
} from '../../adapters/aws/sns-signature.ts';
import type { Pool } from '../../adapters/postgres/pool.ts';
import { findAlert } from '../../core/alerting/labels.ts';
import type { Config } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import {
  checkFreshness,
  checkSubscribeUrl,
  parseAlarm,
  snsMessageSchema,
} from '../../core/sns-message.ts';
import { readJson } from '../errors.ts';

export const SNS_HOOK_PATH = '/hooks/aws/sns';

export interface SnsHookDeps {
  config: Config;
  pool: Pool;
  /** Where certificates come from (tests serve their own); cached per URL by default. */
  fetchCertificate?: CertificateFetcher;
  /** Confirms a subscription by GETting its SubscribeURL. */
  confirm?: (url: URL) => Promise<void>;
  now?: () => Date;
}

/**
 * `POST /hooks/aws/sns`: CloudWatch alarms through SNS into the alert outbox. In order: the
 * body is an SNS message, its topic is this stack's (`AWS_SNS_TOPIC_ARN`), its timestamp is
 * inside the replay window, its signature verifies against a certificate from an SNS host.
 * Then a SubscriptionConfirmation is confirmed (GET SubscribeURL on the topic's SNS endpoint);
 * a Notification's alarm names its catalog alert (`[vigie:<id>]` in the description): ALARM
 * raises it, OK resolves it (labelled by alarm name, an id). Replays of a delivered message
 * add an occurrence to the same group (the outbox dedups), never a second Slack message.
 */
export function snsHookRoutes(deps: SnsHookDeps): Hono {
  const app = new Hono();
  const fetchCertificate = deps.fetchCertificate ?? cachedCertificateFetcher();
  const confirm =
    deps.confirm ??
    (async (url: URL) => {
      const r = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (!r.ok) throw new Error(`ConfirmSubscription answered ${r.status}`);
    });
  const now = deps.now ?? (() => new Date());

  app.post(SNS_HOOK_PATH, async (c) => {
    const topicArn = deps.config.AWS_SNS_TOPIC_ARN;
    if (topicArn === undefined) {
      throw new VigieError(
        'UNAVAILABLE',
        'The SNS hook is not configured on this server: set AWS_SNS_TOPIC_ARN.',
      );
    }
    // SNS sends `text/plain; charset=UTF-8`; the body is JSON all the same.
    const message = await readJson(c, snsMessageSchema);
    if (message.TopicArn !== topicArn) {
      throw new VigieError('FORBIDDEN', 'SNS message is from another topic.');
    }
    checkFreshness(message, now());
    await verifySnsSignature(message, fetchCertificate, now());
    // The signed time, not the arrival: a replayed OK (inside the window) of an earlier
    // episode is then older than the open ALARM, which the outbox leaves open.
    const at = new Date(message.Timestamp);

    if (message.Type === 'SubscriptionConfirmation') {
      try {
        await confirm(checkSubscribeUrl(message.SubscribeURL, topicArn));
      } catch (error) {
        if (error instanceof VigieError) throw error;
        throw new VigieError(
          'UNAVAILABLE',
          'Could not confirm the SNS subscription; SNS will retry.',
        );
      }
      return c.json({ confirmed: true });
    }
    if (message.Type === 'UnsubscribeConfirmation') return c.json({ ignored: true });

    const alarm = parseAlarm(message.Message);
    findAlert(alarm.alertId);
    const input = { alertId: alarm.alertId, labels: { alarm: alarm.alarmName }, at };
    if (alarm.state === 'ALARM') {
      const raised = await raise(deps.pool, input);
      return c.json({ alertId: alarm.alertId, raised: true, occurrences: raised.occurrences });
    }
    if (alarm.state === 'OK') {
      const { resolved } = await resolve(deps.pool, input);
      return c.json({ alertId: alarm.alertId, resolved });
    }
    return c.json({ alertId: alarm.alertId, ignored: true });
  });
  return app;
}
