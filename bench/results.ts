// The shapes of the files the benchmark's two halves write (.lab/bench/guest.json and
// fanout.json) and bench/report.ts reads.
import type { GuestConfig } from './config';
import type { EndToEndStep } from './end-to-end';
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
  /** the director's apply in parts, ms ("director apply finished" phasesMs) */
  agentPhasesMs?: Record<string, number>;
  /** of the agent side, what V8's collector took (inside the parts) */
  agentGcMs?: number;
  /** the same parts' minor page faults ("director apply finished" pageFaults) */
  agentPageFaults?: Record<string, number>;
  /** how the agent's IPVS door answered each read of that apply */
  agentIpvsReads?: Record<string, { kind: string; servicesReadAgain: number; servicesFromListing: number }>;
  /** the realserver agent's verify, same log lines */
  realserverMs?: number;
  /** the director agent's decode of the request, before its agent side ("apply started": decodeMs, decodeCpuMs, decodePageFaults) */
  agentDecode?: { ms: number; cpuMs?: number; pageFaults?: number };
  /** the whole rollout step by step, from the controller's trace marks and the director agent's log (bench/end-to-end.ts) */
  endToEnd?: EndToEndStep[];
  /** what the rollout said went wrong for the director (its unreachable or failed lines) */
  problem?: string;
  /** the --deadline it ran under, when it did not succeed */
  budgetS?: number;
  /** the director agent's memory right after */
  memory: Memory;
}

/** bench/guest.ts pageFaultCost: fresh memory written once, its page faults and their time */
export interface PageFaultFigure {
  faults: number;
  ms: number;
  bytes: number;
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
  /**
   * medians over the timed lvsctl runs (bench/cpu-accounting.ts): the controller's CPU, the
   * agents' CPU (all of them, the ones not asked included), ms, and the machine's idle share (0..1)
   */
  cpu?: { controllerMs: number; agentsMs: number; machineIdle: number };
}

export interface FanoutResults {
  startedAt: string;
  finishedAt?: string;
  parallel: number;
  forks: number;
  repeats: number;
  ansibleRepeats: number;
  /** the CPUs this machine gives node (os.availableParallelism), which the agents and the controller share (absent: an older run) */
  cores?: number;
  /** `lvsctl --version` and `node -e 0`: what a process start costs before any work, ms (medians of 3) */
  cliStartMs?: number;
  nodeStartMs?: number;
  ansibleVersion: string;
  /** hosts: each realserver its own network namespace on a bridge; shared-lo: every address on one lo (absent: an older run, shared-lo) */
  layout?: 'hosts' | 'shared-lo';
  /** the agents' --self-check-interval (absent: an older run, the default 10 s) */
  selfCheckInterval?: string;
  runs: FanoutRun[];
  /** the largest N again with --parallel N (every agent at once), ms of each run */
  wide?: { agents: number; parallel: number; lvsctlMs: number[] };
  /** the run profiled with node --cpu-prof (profile-fanout-controller.json), ms */
  profiledMs?: number;
  /**
   * agents profiled through their hook over `rollouts` rollouts of their own after that run (every one
   * run, as the profile holds each one's work, `failed` of them exiting non-zero); their profiles
   * together are profile-fanout-agents.json
   */
  profiledAgents?: { names: string[]; rollouts: number; failed?: number };
  /** each agent's own verify in that run ("apply started" → "apply finished"), ms */
  agentVerifyMs?: { agents: number; median: number; max: number };
  /** every agent's CPU together while nothing is asked of them (timers, and self-check rounds where selfCheckInterval lets them run), ms per second */
  agentsIdleCpuMsPerS?: number;
  /** realserver agents' memory after the runs, kB */
  agentRssKb?: { min: number; max: number; median: number };
  errors: string[];
  notes: string[];
}

/** bench/cli-startup.ts: the CLI's start-up against `node -e 0`, on this machine */
export interface CliStartupResults {
  /** runs of each command, each paired with one of the baseline */
  pairs: number;
  baseline: string;
  /** medians: the command's wall time, the baseline's, and the ratio pair by pair, ms */
  figures: Array<{ figure: string; ms: number; baselineMs: number; ratio: number }>;
  /** how many runs of `validate` profile-cli-validate.json merges, when it was written */
  validateProfiledRuns?: number;
  notes: string[];
}

/** hello-probe's error for the call still in flight when it was told to stop (report.ts reads it) */
export const PROBE_STOPPED = 'unanswered when the probe stopped';

/**
 * How many one-weight rollouts, no-op rollouts and keepalived reloads the guest times, each
 * figure their median. Each one alone moves by half between runs on this shared machine
 * (the guest has one CPU): three let one slow run in two decide the median.
 */
export const SMALL_CHANGE_RUNS = 5;

/** The weight of the nth (from 1) of those runs: changed, set back, changed again, … */
export function changedOnOddRuns<T>(n: number, changed: T, original: T): T {
  return n % 2 === 1 ? changed : original;
}
