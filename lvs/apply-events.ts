// What an agent reports while it checks or applies its HostPlan, and the interface the
// gRPC server calls: a director applier and a realserver verifier both implement it.
import type { HostPlan } from './host-plan';

export type ApplyMode = 'check' | 'apply';

/** ok: already as wanted; changed: changed (or, in check mode, would change); failed; skipped: not attempted */
export type StepStatus = 'ok' | 'changed' | 'failed' | 'skipped';

export interface StepEvent {
  kind: 'step';
  /** what kind of step, e.g. "add-service", "edit-destination", "mark-chain", "check-arp_ignore" */
  action: string;
  /** what it is about, e.g. "tcp 10.0.0.100:80", "net.ipv4.conf.all.arp_ignore" */
  target: string;
  status: StepStatus;
  message: string;
  /** for a failed check: the exact command that fixes it */
  fix?: string;
}

/** Before/after text of one managed table (the IPVS services, the mark rules), for --diff. */
export interface DiffEvent {
  kind: 'diff';
  subject: 'ipvs' | 'marks' | 'realserver';
  before: string;
  after: string;
}

/** Something the agent found and left alone, e.g. a service it does not own. */
export interface NoticeEvent {
  kind: 'notice';
  message: string;
}

export type ApplyOutcome = 'ok' | 'changed' | 'failed';

export interface ResultEvent {
  kind: 'result';
  outcome: ApplyOutcome;
  /** number of steps that changed (or would change) something */
  changed: number;
  message: string;
  /** set when a failure was followed by a restore of the snapshot: what the restore did */
  rollback?: string;
  /** the host lacks something the apply needs (ipvsadm, IPVS, root, iptables): gRPC FAILED_PRECONDITION */
  failedPrecondition?: boolean;
}

export type ApplyEvent = StepEvent | DiffEvent | NoticeEvent | ResultEvent;

/** The characters of an event's text: what its size on the wire and in memory grows with. */
export function eventTextChars(event: ApplyEvent): number {
  switch (event.kind) {
    case 'step': return event.action.length + event.target.length + event.message.length + (event.fix?.length ?? 0);
    case 'diff': return event.before.length + event.after.length;
    case 'notice': return event.message.length;
    case 'result': return event.message.length + (event.rollback?.length ?? 0);
  }
}

export interface HostApplier {
  /**
   * Checks (mode "check") or applies (mode "apply") the plan, reporting each step
   * through emit, and resolves with the final result (which it also emits last).
   * Never throws for a problem of the host: that is a failed result.
   */
  apply(plan: HostPlan, mode: ApplyMode, emit: (event: ApplyEvent) => void, received?: ReceivedRequest): Promise<ResultEvent>;
}

/** The request as it arrived (its ApplyRequest bytes): kept as the last plan without encoding it again. */
export interface ReceivedRequest {
  bytes: Buffer;
  /** the controller will not show the --diff text: no DiffEvent is made or sent */
  omitDiff?: boolean;
}
