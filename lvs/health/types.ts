// The health vocabulary shared by the state machine, the monitor, the metrics and (later)
// the Health RPC: plain data, no behaviour.
import type { Destination, ServiceKey } from '../model';

/**
 * unknown: never judged yet (a fresh target; it keeps its plan weight meanwhile);
 * up: passing; down: failed `fall` checks in a row and was quiesced.
 */
export type HealthState = 'unknown' | 'up' | 'down';

/** What one health probe (a TCP connect, an HTTP GET) found; a realserver's own checks are agent/realserver/check-result.ts. Checkers never throw: a failure is `ok: false` with the reason in `detail`. */
export interface ProbeResult {
  ok: boolean;
  latencyMs: number;
  detail: string;
}

/**
 * One change of state of one realserver of one service; for a sorry server (host
 * "sorry-server") `down → up` when it takes over and `up → down` when it stands by again.
 */
export interface HealthTransition {
  at: Date;
  /** the plan's service name */
  service: string;
  /** the plan's host name of the realserver */
  host: string;
  /** the destination as ipvsadm writes it, e.g. "10.0.0.11:80" */
  address: string;
  from: HealthState;
  to: HealthState;
  reason: string;
}

/**
 * Something the monitor decided or could not do that is not a transition:
 * kept-last: every realserver of the service is down, the last one keeps its weight;
 * released: a kept realserver was quiesced after all, because another one came back;
 * weight-failed: the kernel refused the weight change (retried after the next check).
 */
export interface HealthNotice {
  at: Date;
  kind: 'kept-last' | 'released' | 'weight-failed';
  service: string;
  host?: string;
  address?: string;
  message: string;
}

/** Every finished check, for latency metrics. */
export interface HealthCheckEvent {
  at: Date;
  service: string;
  serviceKey: ServiceKey;
  host: string;
  address: string;
  result: ProbeResult;
  state: HealthState;
}

/** One service × realserver as the monitor sees it now. */
export interface TargetReport {
  service: string;
  serviceKey: ServiceKey;
  host: string;
  address: string;
  /** false for a service without a healthCheck: never checked, never touched */
  checked: boolean;
  state: HealthState;
  plannedWeight: number;
  /** the weight the monitor last set (or found, i.e. the plan weight, if it never set one) */
  currentWeight: number;
  /** the destination's weight is held despite being down, by the all-down policy */
  keptLast: boolean;
  /**
   * the service's sorry server (never checked; host "sorry-server"): state `up` while it
   * takes new connections because every realserver is down, `down` while it stands by
   */
  sorryServer?: true;
  lastCheckAt?: Date;
  lastLatencyMs?: number;
  /** the last check's detail, or why the state last changed */
  reason: string;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
}

export interface HealthSnapshot {
  at: Date;
  targets: TargetReport[];
}

/** The one thing the monitor asks of the kernel: change destination weights in place, in one batch. */
export interface WeightChange {
  key: ServiceKey;
  /** the destination with the weight it should now have */
  destination: Destination;
  /** the weight it had, as far as the monitor knows (for messages and diffs) */
  previousWeight?: number;
}

export interface WeightControl {
  setWeights(changes: WeightChange[]): Promise<void>;
}
