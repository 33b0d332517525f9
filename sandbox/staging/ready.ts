import type { RunningStack } from '../stack.ts';

/**
 * The ready line (`ready in N ms`, which `bench/startup.ts` waits for) and a short table of
 * where everything is. URLs only: keys and secrets stay in the env file.
 */
export function readyLines(stack: RunningStack, ms: number): string[] {
  const app = stack.urls.app;
  const user = stack.demoUserId;
  const rows: Array<[string, string]> = [
    ['app', app],
    ['health', `${app}/healthz`],
    ['readiness', `${app}/readyz`],
    ['privacy policy', `${app}/privacy`],
    ['demo page', `${app}/`],
    [
      'token',
      user
        ? `npx vigie dev token --user ${user}   (then: curl -H "Authorization: Bearer $TOKEN" ${app}/users/me/data)`
        : 'no seeded user: start without --no-seed on an empty database',
    ],
    ...stack.services.map((s): [string, string] => [
      s.name,
      s.from === 'env' ? `${s.url}  (from env)` : s.url,
    ]),
    ['other commands', `set -a; . ${stack.envFile}; set +a   (then e.g. npx vigie run cost)`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const scale = stack.config.VIGIE_TIME_SCALE;
  return [
    `ready in ${ms} ms — app ${app}` + (scale === 1 ? '' : ` · time ×${scale}`),
    ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`),
  ];
}
