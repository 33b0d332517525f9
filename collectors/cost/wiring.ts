import { raise } from '../../adapters/alerts/outbox.ts';
import { postToSlack } from '../../adapters/alerts/slack-post.ts';
import { requireSettings } from '../../core/config.ts';
import { VigieError } from '../../core/errors.ts';
import { retryAfterMs } from '../../core/retry-after.ts';
import { type CollectorRunner, withPool } from '../shared/wiring.ts';
import { type CostDeps, run } from './run.ts';
import { costSources } from './sources.ts';

export const runner: CollectorRunner = async (config, now) => {
  const c = requireSettings(config, ['DATABASE_URL'], 'The cost collector');
  return withPool(c.DATABASE_URL, async (db) => {
    const deps: CostDeps = { db, raise, timeZone: c.VIGIE_TIMEZONE, ...costSources(c) };
    if (c.SLACK_WEBHOOK_URL) {
      const url = c.SLACK_WEBHOOK_URL;
      deps.postReport = async (text) => {
        let answer = await postToSlack(url, { text }, { timeoutMs: 5_000 });
        // The dispatcher shares this webhook's ~1 msg/s budget: wait out one short 429.
        const waitMs =
          'retryAfter' in answer ? retryAfterMs(answer.retryAfter, new Date()) : undefined;
        if (
          'status' in answer &&
          answer.status === 429 &&
          waitMs !== undefined &&
          waitMs <= 10_000
        ) {
          await new Promise((resolve) => setTimeout(resolve, waitMs));
          answer = await postToSlack(url, { text }, { timeoutMs: 5_000 });
        }
        if ('networkError' in answer || answer.status >= 300) {
          throw new VigieError(
            'UNAVAILABLE',
            `Slack refused the cost report (${'networkError' in answer ? answer.networkError : `HTTP ${answer.status}`})`,
            {
              details: {
                reason:
                  'networkError' in answer
                    ? 'unreachable'
                    : answer.status === 429
                      ? 'rate-limited'
                      : 'server-error',
              },
            },
          );
        }
      };
    }
    return run(deps, now);
  });
};
