import assert from 'assert';
import { HealthMonitor } from '../../../agent/health/monitor';
import { pageText } from './page-text';
import { createAgentMetrics } from '../../../agent/metrics/agent-metrics';
import { bindHealthMonitor } from '../../../agent/metrics/bind-health';
import { FakeClock } from '../health/fake-clock';

describe('health metrics from a running monitor', () => {
  it('shows each check in the histogram and the monitor state as lvsctl_health_state', async () => {
    const scheduler = new FakeClock();
    const monitor = new HealthMonitor({
      clock: scheduler,
      runCheck: async (_spec, address) => ({ ok: address === '10.0.0.11', latencyMs: 2, detail: 'x' }),
      weights: { setWeights: async () => undefined },
    });
    const metrics = createAgentMetrics();
    bindHealthMonitor(metrics, monitor);
    await monitor.update([{
      name: 'web',
      service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'rr', flags: [] },
      realservers: [
        { host: 'web1', destination: { address: '10.0.0.11', port: 80, weight: 1, forwarding: 'dr' } },
        { host: 'web2', destination: { address: '10.0.0.12', port: 80, weight: 1, forwarding: 'dr' } },
      ],
      healthCheck: { type: 'tcp', port: 80, path: '', expectStatus: 0, intervalMs: 1000, timeoutMs: 500, fall: 1, rise: 1 },
    }]);
    await scheduler.advance(10);
    const text = await pageText(metrics);
    assert.ok(text.includes('\nlvsctl_health_state{service="tcp 10.0.0.100:80",realserver="10.0.0.11:80"} 1\n'));
    assert.ok(text.includes('\nlvsctl_health_state{service="tcp 10.0.0.100:80",realserver="10.0.0.12:80"} 0\n'));
    assert.ok(text.includes('\nlvsctl_health_check_duration_seconds_count{outcome="ok"} 1\n'));
    assert.ok(text.includes('\nlvsctl_health_check_duration_seconds_count{outcome="failed"} 1\n'));
    await monitor.stop();
  });
});
