import type { TierLimits } from '../core/enrichment/token-bucket.ts';
import type { LoadUser } from './scenarios/records.ts';

/**
 * What a load run needs to reach a staging: local (`npx vigie load` starts one and fills this
 * in) or deployed (`--target target.json`, same shape). Credentials stay in this file/memory.
 */
export interface LoadTarget {
  label: string;
  appUrl: string;
  n8n: { url: string; apiKey: string };
  upstash: { url: string; token: string };
  /** Seeded users with a bearer token each and some of their prospect ids. */
  users: LoadUser[];
  /** The limits the staging enforces, for the gates that compare against them. */
  plans: {
    n8nConcurrency: number;
    phantomBusterSlots: number;
    claudeTier: TierLimits & { name: string };
  };
  /** Local staging only: sets the stand-ins up for a scenario (e.g. the Claude tier). */
  beforeScenario?(name: ScenarioName): Promise<void>;
}

export type LoadMode = 'full' | 'smoke';

export interface Gate {
  name: string;
  pass: boolean;
  detail: string;
}

export interface StepResult {
  users: number;
  requests: number;
  throughputPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  /** p95 with failures counted as infinitely slow. */
  p95WithFailuresMs: number | null;
  failures: number;
}

export interface ScenarioResult {
  scenario: ScenarioName;
  mode: LoadMode;
  target: string;
  startedAt: string;
  wallSeconds: number;
  artilleryExitCode: number;
  /** Artillery's last output lines when it exited non-zero (why). */
  artilleryTail?: string;
  figures: Record<string, number | string | null>;
  gates: Gate[];
  steps?: StepResult[];
  /** Per-request timings for the live metrics (`vigie.load.*`); not written to the JSON. */
  samples?: Array<{ ms: number; ok: boolean }>;
  /** Virtual users of the main run. */
  vusers?: number;
  /**
   * The machine the load ran from (and, locally, the system under test ran on): its cores and
   * 1-minute load average at the start and the end. A shared machine's other work shows here.
   */
  machine?: { cores: number; loadAverageStart: number; loadAverageEnd: number };
}

export const SCENARIOS = ['scrape', 'email-queue', 'enrichment', 'api'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
