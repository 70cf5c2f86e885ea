// What the agent's parts tell the metrics, apart from prom-client: the Prometheus registry
// (agent-metrics.ts) is loaded only when --metrics serves it. Without --metrics nothing
// could ever scrape a number, so the agent records into NO_METRICS and keeps prom-client's
// memory and start-up time.
import type { ApplyOutcome } from '../../lvs/apply-events';
import type { HealthSnapshot, ProbeResult } from '../../lvs/health/types';
import type { ListedService } from '../../lvs/ipvs-reading';
import type { VrrpSource } from '../../lvs/vrrp';

export interface MetricsRecorder {
  /** one finished health check (lvsctl_health_check_duration_seconds) */
  observeCheck(result: ProbeResult): void;
  /** one finished apply (lvsctl_apply_total, lvsctl_apply_duration_seconds) */
  recordApply(outcome: ApplyOutcome, seconds: number): void;
  /** where lvsctl_health_state comes from at each scrape */
  readHealthFrom(source: () => HealthSnapshot): void;
  /** where the lvsctl_ipvs_* series come from at each scrape */
  readIpvsFrom(source: () => Promise<ListedService[]>): void;
  /** where lvsctl_vrrp_state comes from at each scrape (a director in a group) */
  readVrrpFrom(source: VrrpSource): void;
  /** when the agent's certificate expires, as served now (lvsctl_tls_certificate_expiry_timestamp_seconds) */
  readCertificateExpiryFrom(source: () => Date): void;
}

/** The agent without --metrics: nothing is kept, since nothing can scrape it. */
export const NO_METRICS: MetricsRecorder = {
  observeCheck: () => undefined,
  recordApply: () => undefined,
  readHealthFrom: () => undefined,
  readIpvsFrom: () => undefined,
  readVrrpFrom: () => undefined,
  readCertificateExpiryFrom: () => undefined,
};
