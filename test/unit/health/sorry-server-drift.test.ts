// lvsctl status and the sorry server: planned at weight 0, so it is no "extra destination";
// at weight 1 it is drift unless the director's health says it took over.
import { strict as assert } from 'node:assert';
import type { DirectorService } from '../../../lvs/host-plan';
import type { HealthRow } from '../../../lvs/health/report';
import type { ServiceCounters } from '../../../lvs/status';
import { findDrift } from '../../../controller/report/drift';

const key = { kind: 'tcp', vip: '10.0.0.100', port: 80 } as const;
const planned: DirectorService = {
  name: 'web',
  service: { key, scheduler: 'wlc', flags: [] },
  realservers: [{ host: 'web1', destination: { address: '10.0.0.11', port: 80, weight: 1, forwarding: 'dr' } }],
  healthCheck: { type: 'tcp', port: 80, path: '', expectStatus: 0, intervalMs: 1000, timeoutMs: 500, fall: 3, rise: 2 },
  sorryServer: { address: '10.0.0.50', port: 80, weight: 0, forwarding: 'dr' },
};

function kernel(web1: number, sorry: number | undefined): ServiceCounters[] {
  const d = (address: string, weight: number) => ({ destination: { address, port: 80, weight, forwarding: 'dr' as const }, activeConnections: 0, inactiveConnections: 0 });
  return [{ service: planned.service, managed: true, destinations: [d('10.0.0.11', web1), ...(sorry === undefined ? [] : [d('10.0.0.50', sorry)])] }];
}

const row = (host: string, address: string, state: HealthRow['state'], currentWeight: number, plannedWeight: number): HealthRow => ({
  service: 'web', serviceKey: key, host, address, checked: host !== 'sorry-server', state, plannedWeight, currentWeight, keptLast: false, reason: 'every realserver of web is down: new connections go to the sorry server',
});

describe('drift and the sorry server', () => {
  it('is no drift at weight 0, as planned', () => {
    assert.deepEqual(findDrift('lvs1', [planned], kernel(1, 0)).drift, []);
  });

  it('is a missing destination when the kernel lacks it', () => {
    assert.deepEqual(findDrift('lvs1', [planned], kernel(1, undefined)).drift.map((d) => d.message), ['web: sorry server 10.0.0.50:80 is not in the kernel']);
  });

  it('at weight 1 is explained by health when the monitor says it took over, and drift otherwise', () => {
    const health = [row('web1', '10.0.0.11:80', 'down', 0, 1), row('sorry-server', '10.0.0.50:80', 'up', 1, 0)];
    const explained = findDrift('lvs1', [planned], kernel(0, 1), health);
    assert.deepEqual(explained.drift, []);
    assert.equal(explained.explained.length, 2);
    assert.match(explained.explained[1].message, /^web: sorry server \(10\.0\.0\.50:80\) at weight 1, plan 0: every realserver of web is down/);
    const unexplained = findDrift('lvs1', [planned], kernel(1, 1));
    assert.deepEqual(unexplained.drift.map((d) => d.message), ['web: sorry server (10.0.0.50:80) has weight 1 in the kernel, 0 in the plan']);
  });
});
