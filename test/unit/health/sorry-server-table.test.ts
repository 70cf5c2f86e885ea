// The sorry server belongs to the director's desired table at weight 0: a rollout creates
// it like any planned destination, a re-apply leaves it alone, and a rollout while every
// realserver is down keeps it serving (the applier asks the monitor for the weights).
import { silentLogger } from '../../../agent/logging';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import { strict as assert } from 'node:assert';
import { createDirectorApplier } from '../../../agent/director/applier';
import type { DirectorPlan } from '../../../lvs/host-plan';
import { HealthMonitor } from '../../../agent/health/monitor';
import { ipvsWeightControl } from '../../../agent/health/ipvs-weight-control';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../../agent/kernel/fake/marks';
import { FakeClock } from './fake-clock';
import { tempDir } from '../../temp-dirs';

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
  const stateDir = await tempDir('lvsctl-sorry-');
  return createDirectorApplier({ stateDir, logger: silentLogger(), kernel: { ipvs: new IpvsWriter(ipvs), marks: new FakeMarks() } });
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

  it('stays raised through a rollout while every realserver is still down: no write ever lowers it or raises a dead one', async () => {
    const ipvs = new FakeIpvs();
    const writer = new IpvsWriter(ipvs);
    const scheduler = new FakeClock();
    const monitor = new HealthMonitor({
      clock: scheduler,
      runCheck: async () => ({ ok: false, latencyMs: 1, detail: 'connect ECONNREFUSED' }),
      weights: ipvsWeightControl(writer),
    });
    const stateDir = await tempDir('lvsctl-sorry-');
    const applier = createDirectorApplier({
      stateDir, logger: silentLogger(), kernel: { ipvs: writer, marks: new FakeMarks() },
      healthWeights: (service, destination) => monitor.wantedWeight(service, destination),
    });
    await applier.apply(plan, 'apply', () => undefined);
    await monitor.update(plan.services);
    await scheduler.advance(100);
    assert.deepEqual(weights(ipvs).sort(), ['10.0.0.11:80=0', '10.0.0.50:80=1'], 'web1 quiesced, the sorry server serves');
    // Every write from here on, in order, as the kernel holds the table after it.
    const seen: string[][] = [];
    ipvs.onBatch = (table) => seen.push(table.flatMap((s) => s.destinations.map((d) => `${d.address}:${d.port}=${d.weight}`)).sort());
    const second = await applier.apply({ ...plan, generation: 2, services: [{ ...plan.services[0], service: { ...plan.services[0].service, scheduler: 'rr' } }] }, 'apply', () => undefined);
    assert.equal(second.outcome, 'changed', second.message);
    await monitor.update(plan.services);
    await scheduler.advance(100);
    assert.ok(seen.length >= 1, 'the rollout wrote to the table');
    for (const table of seen) assert.deepEqual(table, ['10.0.0.11:80=0', '10.0.0.50:80=1'], 'after every write');
    await monitor.stop();
  });
});
