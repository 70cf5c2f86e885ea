// What a Health report says, as plain data: the agent builds it, the wire carries it, the
// controller prints it. A director fills `targets` (service × realserver) and `events`; a
// realserver fills `selfChecks` and `events` (its own checks that changed).
import type { VrrpStatus } from '../vrrp';
import type { AgentRole } from '../wire/enum-names';
import type { HealthState, TargetReport } from './types';

/** The host column of a sorry server in reports and events: the plan names it by address only. */
export const SORRY_SERVER_HOST = 'sorry-server';

/** The kernel's side of a target, from `ipvsadm -Ln --exact`. */
export interface KernelDestination {
  weight: number;
  activeConnections: number;
  inactiveConnections: number;
}

/** One service × realserver in a report: the monitor's view (its counters aside) plus the kernel's. */
export interface HealthRow extends Omit<TargetReport, 'consecutiveFailures' | 'consecutiveSuccesses'> {
  /** absent when the table could not be read or the kernel lacks this destination */
  kernel?: KernelDestination;
}

export const HEALTH_EVENT_KINDS = ['transition', 'kept-last', 'released', 'weight-failed', 'self-check'] as const;
export type HealthEventKind = (typeof HEALTH_EVENT_KINDS)[number];

export interface HealthEventRecord {
  at: Date;
  kind: HealthEventKind;
  service?: string;
  host?: string;
  address?: string;
  /** transitions only */
  from?: HealthState;
  to?: HealthState;
  message: string;
}

export type SelfCheckStatus = 'ok' | 'failed' | 'skipped';

export interface SelfCheckRecord {
  action: string;
  target: string;
  status: SelfCheckStatus;
  message: string;
  fix?: string;
}

export interface AgentHealthReport {
  host: string;
  role: AgentRole;
  at: Date;
  targets: HealthRow[];
  events: HealthEventRecord[];
  selfChecks: SelfCheckRecord[];
  selfCheckedAt?: Date;
  heartbeat: boolean;
  /** why the report is empty, e.g. "no plan applied yet" */
  note?: string;
  /** a director in a group: its VRRP state as keepalived reported it */
  vrrp?: VrrpStatus;
}
