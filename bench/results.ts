// The shapes of the files the benchmark's two halves write (.lab/bench/guest.json and
// fanout.json) and bench/report.ts reads.
import type { GuestConfig } from './config';
import type { Memory } from './proc';

export interface RolloutFigure {
  exitCode: number;
  /** the whole `lvsctl rollout`, controller included (in the guest: run in the driver's process) */
  wallMs: number;
  stdoutLines: number;
  /** the director agent's "apply started" → "apply finished" */
  agentMs?: number;
  agentOutcome?: string;
  agentChanged?: number;
  /** the realserver agent's verify, same log lines */
  realserverMs?: number;
  /** what the rollout said went wrong for the director (its unreachable or failed lines) */
  problem?: string;
  /** the --deadline it ran under, when it did not succeed */
  budgetS?: number;
  /** the director agent's memory right after */
  memory: Memory;
}

export interface ReadingFigure {
  name: string;
  runsMs: number[];
  medianMs: number;
  bytes: number;
}

export interface GuestResults {
  startedAt: string;
  finishedAt?: string;
  config: GuestConfig;
  meta?: Record<string, string>;
  // each step's figure, by step name (see bench/guest.ts)
  steps: Record<string, unknown>;
  errors: Array<{ step: string; message: string }>;
  notes: string[];
}

export interface FanoutRun {
  agents: number;
  /** every timed run, ms */
  lvsctlMs: number[];
  ansibleMs: number[];
  lvsctlExit: number[];
  ansibleExit: number[];
}

export interface FanoutResults {
  startedAt: string;
  finishedAt?: string;
  parallel: number;
  forks: number;
  repeats: number;
  ansibleVersion: string;
  runs: FanoutRun[];
  /** realserver agents' memory after the runs, kB */
  agentRssKb?: { min: number; max: number; median: number };
  errors: string[];
  notes: string[];
}
