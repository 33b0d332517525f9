import type { Pool } from '../../adapters/postgres/pool.ts';
import type { Config } from '../../core/config.ts';
import type { SlackStandIn } from '../../sandbox/slack/server.ts';
import type { SmtpStandIn } from '../../sandbox/smtp/server.ts';

/**
 * A drill proves one runbook: steady state → the fault, through the staging's fault switches →
 * the alert at the Slack stand-in (time to detect) → the runbook's own `sh resolve` commands,
 * read from its page → steady state again (time to recover). Journal: every step timed.
 */
export interface Drill {
  runbook: string;
  /** The alert the fault must raise (one the runbook answers). */
  alert: string;
  /** The collector whose run judges steady state (raises nothing about the target); none when
   * the alert comes from elsewhere (Better Stack), then `steady` alone decides. */
  collector?: string;
  /** One line: what breaks. */
  fault: string;
  /** Whether it can run against a deployed staging (the Pulumi `faultInjection` switch). */
  deployedStaging: boolean;
  /** Picks what to break from the staging's own data; its values fill `<placeholders>` too. */
  target(env: DrillEnv): Promise<Record<string, string>>;
  /** The fault switch to flip. */
  inject(target: Record<string, string>): {
    standIn: string;
    mode: string;
    args?: Record<string, string>;
  };
  /** An alert's labels are about this drill's target. */
  matches(labels: Record<string, unknown>, target: Record<string, string>): boolean;
  /** The fault stops by itself before the runbook is followed (a provider came back). */
  clearBeforeResolution?: boolean;
  /** What ends the fault then, for the journal (default: the provider is back). */
  faultEnds?: string;
  /** Where the alert is seen: Slack (default), or email when Slack itself is the fault. */
  detectAt?: 'slack' | 'email';
  /** Load to keep up while the fault is on (e.g. workflow runs), until `stop` resolves. */
  traffic?(env: DrillEnv, target: Record<string, string>, stop: AbortSignal): Promise<void>;
  /** Extra steady-state check beyond "the collector raises nothing about the target". */
  steady?(env: DrillEnv, target: Record<string, string>): Promise<boolean>;
}

/** What a drill runs against: a running local staging (in this process, for its stand-ins). */
export interface DrillEnv {
  pool: Pool;
  config: Config;
  /** Settings for `npx vigie …` commands, as `staging.env` gives them. */
  commandEnv: Record<string, string>;
  slack: SlackStandIn;
  smtp?: SmtpStandIn;
  /** The staging clock. */
  now(): Date;
  /** Staging seconds per real second. */
  scale: number;
  faults: {
    apply(standIn: string, mode: string, args?: Record<string, string>): Promise<unknown>;
    clear(standIn?: string): Promise<unknown>;
  };
  /** The n8n webhook base, for drills that make workflow traffic. */
  n8nWebhookUrl?: string;
  /** The app's base URL (its HTTP surface, as a person or Better Stack reaches it). */
  appUrl: string;
  /** Catalog monitor id → the Better Stack stand-in's monitor id. */
  monitorIds: Record<string, string>;
}

export interface JournalStep {
  name: string;
  start: string;
  end: string;
  durationMs: number;
  status: 'ok' | 'failed';
  output?: unknown;
}

export interface DrillJournal {
  drill: string;
  runbook: string;
  alert: string;
  fault: string;
  deployedStaging: boolean;
  start: string;
  end: string;
  status: 'passed' | 'failed';
  /** Real milliseconds from the fault to the alert at Slack (or email). */
  timeToDetectMs: number | null;
  /** Real milliseconds from the alert to steady state again, resolution included. */
  timeToRecoverMs: number | null;
  /** The same in staging-clock time: what production would see at its real schedules. */
  stagingTimeToDetectMs: number | null;
  stagingTimeToRecoverMs: number | null;
  /** The alert's Slack message links its runbook. */
  slackLinksRunbook: boolean | null;
  commands: string[];
  steps: JournalStep[];
  error?: string;
}
