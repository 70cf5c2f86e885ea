// Connects a HealthMonitor to the metrics: every check feeds the latency histogram, and
// each scrape reads the monitor's snapshot for lvsctl_health_state.
import type { HealthMonitor } from '../health/monitor';
import type { AgentMetrics } from './agent-metrics';

export function bindHealthMonitor(metrics: AgentMetrics, monitor: Pick<HealthMonitor, 'on' | 'snapshot'>): () => void {
  metrics.readHealthFrom(() => monitor.snapshot());
  return monitor.on('check', (e) => metrics.observeCheck(e.result));
}
