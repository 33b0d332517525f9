import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../adapters/postgres/pool.ts';
import { migrate } from '../adapters/postgres/migrate.ts';
import { parseConfig } from '../core/config.ts';
import { startSlackStandIn, type SlackStandIn } from '../sandbox/slack/server.ts';
import { createTestDatabase, type TestDatabase } from '../testkit/pg.ts';
import { loadRunner } from './registry.ts';

let db: TestDatabase;
let slack: SlackStandIn;

beforeAll(async () => {
  db = await createTestDatabase();
  const pool = createPool(db.url);
  await migrate(pool);
  await pool.end();
  slack = await startSlackStandIn();
});

afterAll(async () => {
  await slack.close();
  await db.drop();
});

describe('the cost collector as wired for Lambda', () => {
  it('waits out one short 429 from the shared webhook and still posts its daily report', async () => {
    const config = parseConfig({
      VIGIE_STAGE: 'local',
      DATABASE_URL: db.url,
      SLACK_WEBHOOK_URL: slack.webhookUrl('costs'),
    });
    slack.rateLimitNext(1, 1);
    const summary = await (await loadRunner('cost'))(config, new Date('2026-11-20T09:00:00Z'));
    expect(summary.unread.filter((u) => u.source === 'slack.report')).toEqual([]);
    expect(slack.attempts.map((a) => a.status)).toEqual([429, 200]);
    expect(slack.messages).toHaveLength(1);
  });
});
