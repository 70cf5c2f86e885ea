// The agent's Prometheus metrics, one page per scrape. Health and IPVS numbers are read at
// scrape time from injected sources, so a scrape always shows the kernel's table as it is
// and nothing needs a timer of its own. prom-client keeps the agent's own few families; the
// ones that grow with the table (lvsctl_health_state, one series per checked destination, and
// the lvsctl_ipvs_* families, eight per destination) are written in slices by
// health-exposition.ts and ipvs-exposition.ts: prom-client wrote a 2,000 x 10 table's in one
// 1.6 s block of the event loop that answers Hello, Health and Status.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { appendAll } from '../../lvs/append';
import type { HealthSnapshot } from '../../lvs/health/types';
import type { ListedService } from '../../lvs/ipvs-reading';
import { VRRP_STATES, type VrrpSource } from '../../lvs/vrrp';
import { runSliced } from '../../lvs/yield-point';
import { healthExposition } from './health-exposition';
import { ipvsExposition } from './ipvs-exposition';
import type { MetricsRecorder } from './metrics-recorder';

/** One scrape's answer: the body as the Buffers it was written in, sent one after another. */
export interface MetricsPage {
  contentType: string;
  chunks: Buffer[];
  bytes: number;
}

/** The recorder of metrics-recorder.ts, with the page --metrics serves. */
export interface AgentMetrics extends MetricsRecorder {
  /** reads the sources and writes the whole page (the IPVS table read once) */
  render(): Promise<MetricsPage>;
}

export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  let healthSource: (() => HealthSnapshot) | undefined;
  let ipvsSource: (() => Promise<ListedService[]>) | undefined;

  const checkDuration = new Histogram({
    name: 'lvsctl_health_check_duration_seconds',
    help: 'time a health check took, by outcome (ok or failed)',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const applyTotal = new Counter({
    name: 'lvsctl_apply_total',
    help: 'applies of a host plan, by outcome (ok, changed, failed)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const applyDuration = new Histogram({
    name: 'lvsctl_apply_duration_seconds',
    help: 'time an apply of a host plan took',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });

  let vrrpSource: VrrpSource | undefined;
  const vrrpState = new Gauge({
    name: 'lvsctl_vrrp_state',
    help: "the director's VRRP state as keepalived reported it: 1 for the current state, 0 for the others (absent outside a group)",
    labelNames: ['group', 'state'] as const,
    registers: [],
    async collect() {
      vrrpState.reset();
      const status = await vrrpSource?.read().catch(() => undefined);
      if (!status) return;
      for (const state of VRRP_STATES) vrrpState.set({ group: status.group, state }, status.state === state ? 1 : 0);
    },
  });

  let certificateExpiry: (() => Date) | undefined;
  const certificateExpiryGauge = new Gauge({
    name: 'lvsctl_tls_certificate_expiry_timestamp_seconds',
    help: 'when the certificate the agent serves with expires (Unix time): alert well before it, an agent refuses to start with an expired one',
    registers: [],
    collect() {
      const at = certificateExpiry?.();
      if (at) certificateExpiryGauge.set(Math.floor(at.getTime() / 1000));
    },
  });

  const render = async (): Promise<MetricsPage> => {
    const chunks = await runSliced(healthExposition(healthSource?.()));
    chunks.push(Buffer.from(await registry.metrics()));
    if (ipvsSource) {
      const listing = await ipvsSource().catch(() => undefined);
      chunks.push(Buffer.from('\n'));
      appendAll(chunks, await runSliced(ipvsExposition(listing)));
    }
    return { contentType: registry.contentType, chunks, bytes: chunks.reduce((sum, c) => sum + c.length, 0) };
  };

  return {
    render,
    readCertificateExpiryFrom: (source) => {
      if (!certificateExpiry) registry.registerMetric(certificateExpiryGauge);
      certificateExpiry = source;
    },
    readVrrpFrom: (source) => {
      if (!vrrpSource) registry.registerMetric(vrrpState);
      vrrpSource = source;
    },
    observeCheck: (result) => checkDuration.observe({ outcome: result.ok ? 'ok' : 'failed' }, result.latencyMs / 1000),
    recordApply: (outcome, seconds) => {
      applyTotal.inc({ outcome });
      applyDuration.observe(seconds);
    },
    readHealthFrom: (source) => { healthSource = source; },
    // Only a director has an IPVS table: the series exist once a source is wired, so a
    // realserver exports no lvsctl_ipvs_up 0 for an alert to fire on.
    readIpvsFrom: (source) => { ipvsSource = source; },
  };
}
