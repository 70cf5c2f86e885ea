// Connects a HealthMonitor to the metrics: every check feeds the latency histogram, and
// each scrape reads the monitor's snapshot for lvsctl_health_state.
import type { HealthCheckEvent, HealthSnapshot } from '../../lvs/health/types';
import type { MetricsRecorder } from './metrics-recorder';

/** What the metrics need of the health monitor (agent/health/monitor.ts sits above metrics). */
export interface MonitoredHealth {
  on(event: 'check', listener: (event: HealthCheckEvent) => void): () => void;
  snapshot(): HealthSnapshot;
}

export function bindHealthMonitor(metrics: MetricsRecorder, monitor: MonitoredHealth): () => void {
  metrics.readHealthFrom(() => monitor.snapshot());
  return monitor.on('check', (e) => metrics.observeCheck(e.result));
}
