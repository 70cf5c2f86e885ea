// The sorry server belongs to the director's desired table at weight 0: a rollout creates
// it like any planned destination, a re-apply leaves it alone, and after an apply the
// monitor raises it again when every realserver is still down.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import winston from 'winston';
import { createDirectorApplier } from '../../../agent/director/applier';
import type { DirectorPlan } from '../../../lvs/host-plan';
import { HealthMonitor } from '../../../agent/health/monitor';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../../agent/kernel/fake/marks';
import { FakeScheduler } from './fake-scheduler';

const plan: DirectorPlan = {
  role: 'director', cluster: 'shop', host: 'lvs1', generation: 1, marks: [],
  services: [{
    name: 'web',
    service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'wlc', flags: [] },
    realservers: [{ host: 'web1', destination: { address: '10.0.0.11', port: 80, weight: 1, forwarding: 'dr' } }],
    healthCheck: { type: 'tcp', port: 80, path: '', expectStatus: 0, intervalMs: 1000, timeoutMs: 500, fall: 1, rise: 1 },
    sorryServer: { address: '10.0.0.50', port: 80, weight: 0, forwarding: 'dr' },
  }],
};

async function applierOn(ipvs: FakeIpvs) {
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lvsctl-sorry-'));
  return createDirectorApplier({ stateDir, iptables: 'legacy', logger: winston.createLogger({ silent: true }), kernel: { ipvs, marks: new FakeMarks() } });
}

const weights = (ipvs: FakeIpvs): string[] => ipvs.snapshot().flatMap((s) => s.destinations.map((d) => `${d.address}:${d.port}=${d.weight}`));

describe('the sorry server in the director\'s table', () => {
  it('is created by a rollout at weight 0, and a second rollout changes nothing', async () => {
    const ipvs = new FakeIpvs();
    const applier = await applierOn(ipvs);
    const first = await applier.apply(plan, 'apply', () => undefined);
    assert.equal(first.outcome, 'changed');
    assert.deepEqual(weights(ipvs).sort(), ['10.0.0.11:80=1', '10.0.0.50:80=0']);
    const second = await applier.apply(plan, 'apply', () => undefined);
    assert.equal(second.outcome, 'ok');
  });

  it('is raised again by the monitor after a rollout while every realserver is still down', async () => {
    const ipvs = new FakeIpvs();
    const applier = await applierOn(ipvs);
    await applier.apply(plan, 'apply', () => undefined);
    const scheduler = new FakeScheduler();
    const batches: string[] = [];
    const monitor = new HealthMonitor({
      scheduler,
      runCheck: async () => ({ ok: false, latencyMs: 1, detail: 'connect ECONNREFUSED' }),
      weights: { setWeights: async (changes) => { batches.push(changes.map((c) => `${c.destination.address}=${c.destination.weight}`).join(' ')); } },
    });
    await monitor.update(plan.services);
    await scheduler.advance(100);
    assert.deepEqual(batches, ['10.0.0.50=1 10.0.0.11=0']);
    // A new rollout writes the plan weights (sorry server 0, web1 1); the monitor puts them right in one batch.
    await applier.apply({ ...plan, generation: 2 }, 'apply', () => undefined);
    await monitor.update(plan.services);
    assert.deepEqual(batches, ['10.0.0.50=1 10.0.0.11=0', '10.0.0.50=1 10.0.0.11=0']);
    await monitor.stop();
  });
});
