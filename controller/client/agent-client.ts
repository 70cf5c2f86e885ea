// How the controller talks to one agent; grpc-client.ts implements it over mutual TLS,
// tests implement it in memory.
import type { ApplyEvent, ApplyMode, ResultEvent } from '../../lvs/apply-events';
import type { HostPlan } from '../../lvs/host-plan';

export interface AgentIdentity {
  host: string;
  role: 'director' | 'realserver';
  version: string;
  /** e.g. "ipvs", "iptables-legacy", "ftp-check" */
  capabilities: string[];
  /**
   * The SHA-256 fingerprint (AB:CD:…) of the certificate the agent presented on the
   * connection this answer came over: bootstrap checks that a reloaded agent serves the new
   * one. Absent without TLS.
   */
  certificateSha256?: string;
}

/** Why an agent could not be reached or did not answer: shown to the operator as is. */
export class AgentUnreachableError extends Error {
  constructor(readonly host: string, message: string) {
    super(message);
  }
}

export interface AgentClient {
  /** `applyFollows`: a rollout says an Apply follows (a director then checks its table ahead of it) */
  hello(options?: { applyFollows?: boolean }): Promise<AgentIdentity>;
  /**
   * Optional: starts the work apply(plan, mode) would do before sending (encoding the
   * request), so it overlaps the wait for other hosts; apply with that same plan object and
   * mode then uses it. Sends nothing and reports nothing itself; resolves (never rejects)
   * once that work is done, a failure kept for apply to report.
   */
  prepare?(plan: HostPlan, mode: ApplyMode): Promise<void>;
  /** streams events through onEvent; resolves with the result event */
  apply(plan: HostPlan, mode: ApplyMode, onEvent: (event: ApplyEvent) => void): Promise<ResultEvent>;
  close(): void;
}

/** Opens a client to the agent of one host of the plan (address and port resolved). */
export type AgentConnector = (target: { host: string; address: string; port: number }) => AgentClient;
