import { describe, expect, it } from 'vitest';
import { withRepoPaths } from './committed-paths.ts';

describe('withRepoPaths', () => {
  it('turns the state directory and the repository root into paths a reader can use', () => {
    const text =
      'stored in file /home/a/vigie/.vigie/gameday-staging-x/audit/checkpoints.jsonl\n' +
      'read /home/a/vigie/runbooks/uptime.md and /tmp/state/gameday/staging.log';
    expect(withRepoPaths(text, { root: '/home/a/vigie', stateDir: '/tmp/state' })).toBe(
      'stored in file .vigie/gameday-staging-x/audit/checkpoints.jsonl\n' +
        'read runbooks/uptime.md and $VIGIE_STATE_DIR/gameday/staging.log',
    );
  });

  it('a state directory inside the repository is named as the state directory', () => {
    expect(withRepoPaths('/r/.vigie/gameday/x.json', { root: '/r', stateDir: '/r/.vigie/' })).toBe(
      '$VIGIE_STATE_DIR/gameday/x.json',
    );
  });

  it('leaves other paths and a bare root name alone', () => {
    const text = 'see /etc/hosts; the root is /r itself; /rx/y is another folder';
    expect(withRepoPaths(text, { root: '/r', stateDir: '/s' })).toBe(text);
  });
});
