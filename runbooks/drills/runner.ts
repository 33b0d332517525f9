import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadRunner } from '../../collectors/registry.ts';
import type { CollectorName } from '../../core/catalog/collectors.ts';
import { findAlert, renderDescription } from '../../core/alerting/labels.ts';
import { fillCommand, type RunbookPage } from '../../core/runbooks/page.ts';
import type { Drill, DrillEnv, DrillJournal, JournalStep } from './types.ts';

const run = promisify(execFile);
const VIGIE = fileURLToPath(new URL('../../cli/vigie.ts', import.meta.url));

export interface DrillOptions {
  /** Real milliseconds to wait for the alert, and for steady state again. */
  detectTimeoutMs?: number;
  recoverTimeoutMs?: number;
  pollMs?: number;
  onStep?: (drill: string, step: JournalStep) => void;
}

/**
 * Runs one drill against a running local staging and returns its journal (never throws for a
 * failed drill: the journal says which step failed and why). Chaos Toolkit's shape — steady
 * state, method, rollback — plus the two figures it lacks: time to detect and to recover.
 */
export async function runDrill(
  drill: Drill,
  page: RunbookPage,
  env: DrillEnv,
  options: DrillOptions = {},
): Promise<DrillJournal> {
  const detectTimeoutMs = options.detectTimeoutMs ?? 90_000;
  const recoverTimeoutMs = options.recoverTimeoutMs ?? 90_000;
  const pollMs = options.pollMs ?? 200;
  const journal: DrillJournal = {
    drill: page.drill,
    runbook: page.id,
    alert: drill.alert,
    fault: drill.fault,
    deployedStaging: drill.deployedStaging,
    start: new Date().toISOString(),
    end: '',
    status: 'failed',
    timeToDetectMs: null,
    timeToRecoverMs: null,
    stagingTimeToDetectMs: null,
    stagingTimeToRecoverMs: null,
    slackLinksRunbook: null,
    commands: [],
    steps: [],
  };
  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const start = new Date();
    try {
      const output = await fn();
      record(name, start, 'ok', output);
      return output;
    } catch (error) {
      record(name, start, 'failed', error instanceof Error ? error.message : String(error));
      throw error;
    }
  };
  const record = (name: string, start: Date, status: 'ok' | 'failed', output: unknown) => {
    const end = new Date();
    const s: JournalStep = {
      name,
      start: start.toISOString(),
      end: end.toISOString(),
      durationMs: end.getTime() - start.getTime(),
      status,
      ...(output === undefined ? {} : { output }),
    };
    journal.steps.push(s);
    options.onStep?.(page.drill, s);
  };
  const trafficStop = new AbortController();
  let traffic: Promise<void> | undefined;
  try {
    if (!page.alerts.includes(drill.alert)) {
      throw new Error(`${page.id}.md does not answer ${drill.alert}`);
    }
    const commands = page.resolve
      .filter((b) => b.alerts.includes(drill.alert))
      .flatMap((b) => b.commands);
    if (commands.length === 0)
      throw new Error(`${page.id}.md has no \`sh resolve ${drill.alert}\` block`);

    const target = await step('choose target', () => drill.target(env));
    await step('steady state before', async () => {
      const raised = await collectorRaises(drill, env, target);
      if (raised.length > 0)
        throw new Error(
          `not steady: ${drill.collector} already raises ${drill.alert} for the target`,
        );
      if (drill.steady && !(await drill.steady(env, target)))
        throw new Error('not steady before the fault');
      return { collector: drill.collector, raised: 0 };
    });

    const slackBefore = env.slack.messages.length;
    const mailBefore = env.smtp?.messages.length ?? 0;
    const injected = new Date();
    const stagingInjected = env.now();
    const faultState = await step('inject fault', async () => {
      const f = drill.inject(target);
      return env.faults.apply(f.standIn, f.mode, f.args ?? {});
    });
    const faultResult = ((faultState as { result?: Record<string, unknown> })?.result ??
      {}) as Record<string, unknown>;
    if (drill.traffic) traffic = drill.traffic(env, target, trafficStop.signal).catch(() => {});

    const detected = await step('wait for the alert', async () => {
      const found = await waitFor(
        async () => {
          const labels = await openAlert(env, drill, target, injected);
          if (!labels) return undefined;
          const text = renderDescription(
            findAlert(drill.alert),
            labels as Record<string, string | number>,
          );
          if (drill.detectAt === 'email') {
            const mail = env.smtp?.messages.slice(mailBefore).find((m) => m.text.includes(text));
            return mail ? { labels, text: mail.text } : undefined;
          }
          const message = env.slack.messages
            .slice(slackBefore)
            .map((m) => JSON.stringify(m.body))
            .find((body) => body.includes(JSON.stringify(text).slice(1, -1)));
          return message ? { labels, text: message } : undefined;
        },
        detectTimeoutMs,
        pollMs,
      );
      if (!found)
        throw new Error(
          `no ${drill.alert} at the ${drill.detectAt ?? 'slack'} stand-in within ${detectTimeoutMs} ms`,
        );
      return found;
    });
    const detectedAt = new Date();
    const stagingDetectedAt = env.now();
    journal.timeToDetectMs = detectedAt.getTime() - injected.getTime();
    journal.stagingTimeToDetectMs = stagingDetectedAt.getTime() - stagingInjected.getTime();
    journal.slackLinksRunbook =
      detected.text.includes(`runbooks/${page.id}.md`) || detected.text.includes(`/${page.id}.md|`);

    if (drill.clearBeforeResolution) {
      await step(`fault ends (${drill.faultEnds ?? 'provider back'})`, () =>
        env.faults.clear(drill.inject(target).standIn),
      );
      trafficStop.abort();
    }

    const values: Record<string, string | number> = {
      ...target,
      ...(detected.labels as Record<string, string | number>),
      ...(Object.fromEntries(
        Object.entries(faultResult).filter(
          ([, v]) => typeof v === 'string' || typeof v === 'number',
        ),
      ) as Record<string, string | number>),
    };
    for (const template of commands) {
      const command = fillCommand(template, values);
      journal.commands.push(command);
      await step(`run: ${command}`, () => runVigie(command, env.commandEnv));
    }

    await step('steady state after', async () => {
      const ok = await waitFor(
        async () => {
          const raised = await collectorRaises(drill, env, target);
          if (raised.length > 0) return undefined;
          if (drill.steady && !(await drill.steady(env, target))) return undefined;
          return true;
        },
        recoverTimeoutMs,
        pollMs * 5,
      );
      if (!ok) throw new Error(`still not steady ${recoverTimeoutMs} ms after the resolution`);
      return { collector: drill.collector, raised: 0 };
    });
    journal.timeToRecoverMs = Date.now() - detectedAt.getTime();
    journal.stagingTimeToRecoverMs = env.now().getTime() - stagingDetectedAt.getTime();
    journal.status = 'passed';
  } catch (error) {
    journal.error = error instanceof Error ? error.message : String(error);
  } finally {
    trafficStop.abort();
    await traffic;
    const start = new Date();
    try {
      await env.faults.clear(drill.inject({}).standIn);
      record('rollback: clear the fault switch', start, 'ok', undefined);
    } catch (error) {
      record('rollback: clear the fault switch', start, 'failed', String(error));
    }
    journal.end = new Date().toISOString();
  }
  return journal;
}

/** One run of the drill's collector now (as its next scheduled run would): alerts about the target. */
async function collectorRaises(drill: Drill, env: DrillEnv, target: Record<string, string>) {
  if (drill.collector === undefined) return [];
  const runner = await loadRunner(drill.collector as CollectorName);
  const summary = await runner(env.config, env.now());
  return summary.alertsRaised.filter(
    (a) => a.alertId === drill.alert && drill.matches(a.labels, target),
  );
}

/** The alert's open outbox group raised since the fault, about the target. */
async function openAlert(env: DrillEnv, drill: Drill, target: Record<string, string>, since: Date) {
  const { rows } = await env.pool.query<{ labels: Record<string, unknown> }>(
    `select labels from alert_outbox
      where alert_id = $1 and resolved_at is null and created_at >= $2::timestamptz - interval '5 seconds'
      order by id desc limit 50`,
    [drill.alert, since],
  );
  return rows.map((r) => r.labels).find((l) => drill.matches(l, target));
}

async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  pollMs: number,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * Runs `npx vigie …` as a person would, in a child process with the staging's settings (the
 * contents of `staging.env`), through this Node (24) rather than npx's lookup, for speed.
 */
export async function runVigie(command: string, env: Record<string, string>): Promise<string> {
  const match = /^npx vigie\s+(.+)$/.exec(command.trim());
  if (!match) throw new Error(`not a vigie command: ${command}`);
  const args = match[1]!.split(/\s+/);
  try {
    const { stdout } = await run(process.execPath, [VIGIE, ...args], {
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return stdout.trim();
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number };
    throw new Error(
      `exit ${e.code}: ${(e.stderr || e.stdout || String(error)).trim().slice(0, 500)}`,
      { cause: error },
    );
  }
}
