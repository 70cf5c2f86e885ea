// What a rollout reports while it runs (RolloutEvent, streamed to a reporter) and what it
// returns when it ends (RolloutSummary, the recap). Plain data: the JSON output is these.
import type { ApplyEvent, ApplyMode } from '../../lvs/apply-events';
import type { AgentIdentity } from '../client/agent-client';

export type RolloutPhase = 'connect' | 'realservers' | 'directors';

export type HostRole = 'director' | 'realserver';

/**
 * How a host ended, as the recap shows it. skipped: not applied because something it
 * depends on failed (a director whose realservers did not pass).
 */
export type HostStatus = 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

/** A director group after the rollout (controller/rollout/director-groups.ts): do its directors hold one table? */
export interface GroupRecap {
  group: string;
  /** the planned master: the highest priority */
  master: string;
  /** in the order they were applied (backups first) */
  directors: string[];
  /** false: some directors hold the plan and others do not */
  tablesMatch: boolean;
  /** the directors that do not hold the plan while others do, and why */
  differing: Array<{ host: string; status: HostStatus | 'not selected' }>;
}

export interface PhaseEvent {
  kind: 'phase';
  phase: RolloutPhase;
  /** the hosts this phase works on, in plan order: those not already failed or unreachable */
  hosts: string[];
}

export interface HelloEvent {
  kind: 'hello';
  host: string;
  /** "address:port" the agent was reached at */
  endpoint: string;
  identity: AgentIdentity;
}

/** One event of an agent's Apply stream, tagged with its host. */
export interface AgentEvent {
  kind: 'agent';
  host: string;
  event: ApplyEvent;
}

/** Something the controller itself wants the operator to know (not from an agent). */
export interface RolloutNotice {
  kind: 'notice';
  host?: string;
  message: string;
}

/** A host reached its final state (failed and unreachable ones may end in the connect phase). */
export interface HostDoneEvent {
  kind: 'host-done';
  host: string;
  status: HostStatus;
  mode: ApplyMode;
  /** why, for failed, unreachable and skipped */
  reason?: string;
  /** the command or step that fixes it, when known */
  fix?: string;
}

export type RolloutEvent = PhaseEvent | HelloEvent | AgentEvent | RolloutNotice | HostDoneEvent;

/** One line of the recap, Ansible's counters: steps per status, plus the host's end state. */
export interface HostRecap {
  host: string;
  role: HostRole;
  /** the mode this host ran in: a realserver outside --limit is only checked */
  mode: ApplyMode;
  status: HostStatus;
  ok: number;
  changed: number;
  failed: number;
  unreachable: number;
  skipped: number;
  reason?: string;
}

export interface RolloutSummary {
  generation: number;
  mode: ApplyMode;
  /** realservers first, then directors, each in plan order */
  hosts: HostRecap[];
  /** set when a director was not applied: the realservers that stopped it and why */
  stoppedBeforeDirectors?: string;
  /** the director groups of the plan, and whether each ended with one table */
  groups?: GroupRecap[];
}
