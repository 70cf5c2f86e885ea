// The agent's Prometheus metrics (prom-client), one registry per agent. Health and IPVS
// numbers are read at scrape time from injected sources, so a scrape always shows the
// kernel's table as it is and nothing needs a timer of its own.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HealthSnapshot } from '../../lvs/health/types';
import { destinationKeyString, serviceKeyString } from '../../lvs/model';
import type { IpvsCounters } from '../../lvs/ipvs-reading';
import type { ListedService } from '../../lvs/ipvs-reading';
import { VRRP_STATES, type VrrpSource } from '../../lvs/vrrp';
import type { MetricsRecorder } from './metrics-recorder';

/** The recorder of metrics-recorder.ts, with the registry --metrics serves. */
export interface AgentMetrics extends MetricsRecorder {
  registry: Registry;
}

const COUNTER_FIELDS: { field: keyof IpvsCounters; name: string; help: string }[] = [
  { field: 'connections', name: 'connections', help: 'connections scheduled' },
  { field: 'inPackets', name: 'incoming_packets', help: 'packets from clients' },
  { field: 'outPackets', name: 'outgoing_packets', help: 'packets to clients (0 for DR and TUN: replies bypass the director)' },
  { field: 'inBytes', name: 'incoming_bytes', help: 'bytes from clients' },
  { field: 'outBytes', name: 'outgoing_bytes', help: 'bytes to clients (0 for DR and TUN)' },
];

export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  let healthSource: (() => HealthSnapshot) | undefined;
  let ipvsSource: (() => Promise<ListedService[]>) | undefined;

  const healthState = new Gauge({
    name: 'lvsctl_health_state',
    help: 'health of a realserver of a service: 1 up, 0 down (absent until judged)',
    labelNames: ['service', 'realserver'] as const,
    registers: [registry],
    collect() {
      if (!healthSource) return;
      healthState.reset();
      for (const t of healthSource().targets) {
        if (!t.checked || t.state === 'unknown') continue;
        healthState.set({ service: serviceKeyString(t.serviceKey), realserver: t.address }, t.state === 'up' ? 1 : 0);
      }
    },
  });
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

  // Every lvsctl_ipvs_* series is filled by one shared read per scrape (prom-client collects
  // all metrics of a scrape concurrently, so they all wait on the same read).
  let reading: Promise<void> | undefined;
  const refreshIpvs = (): Promise<void> => {
    if (!ipvsSource) return Promise.resolve();
    const source = ipvsSource;
    reading ??= source()
      .then((listing) => { fillIpvs(listing); ipvsUp.set(1); }, () => { clearIpvs(); ipvsUp.set(0); })
      .finally(() => { reading = undefined; });
    return reading;
  };
  const collect = async (): Promise<void> => refreshIpvs();

  const ipvsUp = new Gauge({
    name: 'lvsctl_ipvs_up', help: '1 when the last read of the IPVS table succeeded, else 0',
    registers: [], collect,
  });
  const serviceCounters = COUNTER_FIELDS.map(({ field, name, help }) => ({
    field,
    metric: new Counter({
      name: `lvsctl_ipvs_service_${name}_total`, help: `${help} by a virtual service, as the kernel counts it`,
      labelNames: ['service'] as const, registers: [], collect,
    }),
  }));
  const realserverCounters = COUNTER_FIELDS.map(({ field, name, help }) => ({
    field,
    metric: new Counter({
      name: `lvsctl_ipvs_realserver_${name}_total`, help: `${help} by a realserver of a virtual service, as the kernel counts it`,
      labelNames: ['service', 'realserver'] as const, registers: [], collect,
    }),
  }));
  const realserverGauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: ['service', 'realserver'] as const, registers: [], collect });
  const activeConnections = realserverGauge('lvsctl_ipvs_realserver_active_connections', 'established connections (ActiveConn)');
  const inactiveConnections = realserverGauge('lvsctl_ipvs_realserver_inactive_connections', 'connections in any other state (InActConn)');
  const weight = realserverGauge('lvsctl_ipvs_realserver_weight', 'the weight in the kernel; 0 = quiesced');

  // Only a director has an IPVS table: the series exist once a source is wired (readIpvsFrom),
  // so a realserver exports no lvsctl_ipvs_up 0 for an alert to fire on.
  const ipvsMetrics = [ipvsUp, ...serviceCounters.map((c) => c.metric), ...realserverCounters.map((c) => c.metric), activeConnections, inactiveConnections, weight];

  function clearIpvs(): void {
    for (const c of [...serviceCounters, ...realserverCounters]) c.metric.reset();
    for (const g of [activeConnections, inactiveConnections, weight]) g.reset();
  }

  // The kernel keeps the counters; a Counter set from them (reset, then inc by the value)
  // keeps Prometheus' counter semantics, a recreated service being an ordinary counter reset.
  function fillIpvs(listing: ListedService[]): void {
    clearIpvs();
    for (const s of listing) {
      const service = serviceKeyString(s.service.key);
      if (s.stats) for (const c of serviceCounters) c.metric.inc({ service }, s.stats[c.field]);
      for (const d of s.destinations) {
        const labels = { service, realserver: destinationKeyString(d.destination) };
        if (d.stats) for (const c of realserverCounters) c.metric.inc(labels, d.stats[c.field]);
        activeConnections.set(labels, d.activeConnections);
        inactiveConnections.set(labels, d.inactiveConnections);
        weight.set(labels, d.destination.weight);
      }
    }
  }

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

  return {
    registry,
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
    readIpvsFrom: (source) => {
      if (!ipvsSource) for (const metric of ipvsMetrics) registry.registerMetric(metric);
      ipvsSource = source;
    },
  };
}
