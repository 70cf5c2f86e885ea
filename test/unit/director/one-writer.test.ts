// One owner of every write to the IPVS table: the applier gives a realserver health knows to
// be down weight 0 (never its plan weight, not even for one batch), and a health write asked
// for in the middle of an apply lands after the apply's read-back, never between.
import { silentLogger } from '../../../agent/logging';
import { strict as assert } from 'node:assert';
import { createDirectorApplier } from '../../../agent/director/applier';
import { ipvsWeightControl } from '../../../agent/health/ipvs-weight-control';
import { HealthMonitor } from '../../../agent/health/monitor';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../../agent/kernel/fake/marks';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import type { DirectorPlan, DirectorService } from '../../../lvs/host-plan';
import type { IpvsOperation } from '../../../lvs/operations';
import { FakeClock } from '../health/fake-clock';
import { tempDir } from '../../temp-dirs';

const silent = silentLogger();

function web(weights: { web1: number; web2: number }, scheduler: 'wlc' | 'rr' = 'wlc'): DirectorService {
  return {
    name: 'web',
    service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler, flags: [] },
    realservers: [
      { host: 'web1', destination: { address: '10.0.0.11', port: 80, weight: weights.web1, forwarding: 'dr' } },
      { host: 'web2', destination: { address: '10.0.0.12', port: 80, weight: weights.web2, forwarding: 'dr' } },
    ],
    healthCheck: { type: 'tcp', port: 80, path: '', expectStatus: 0, intervalMs: 1000, timeoutMs: 500, fall: 1, rise: 1 },
  };
}

const plan = (generation: number, service: DirectorService): DirectorPlan => ({
  role: 'director', cluster: 'shop', host: 'lvs1', generation, marks: [], services: [service],
});

const weightsOf = (ipvs: FakeIpvs): Record<string, number> =>
  Object.fromEntries(ipvs.snapshot().flatMap((s) => s.destinations.map((d) => [d.address, d.weight])));

/** A director as main.ts wires it: one fake table, one writer, the monitor's weights feeding the applier. */
async function director(healthy: (address: string) => boolean) {
  const ipvs = new FakeIpvs();
  const writer = new IpvsWriter(ipvs);
  const scheduler = new FakeClock();
  const monitor = new HealthMonitor({
    clock: scheduler,
    runCheck: async (_spec, address) => ({ ok: healthy(address), latencyMs: 1, detail: healthy(address) ? 'connected' : 'ECONNREFUSED' }),
    weights: ipvsWeightControl(writer),
  });
  const stateDir = await tempDir('lvsctl-one-writer-');
  const asked = { weights: 0 };
  const applier = createDirectorApplier({
    stateDir, logger: silent, kernel: { ipvs: writer, marks: new FakeMarks() },
    healthWeights: (service, destination) => {
      asked.weights++;
      return monitor.wantedWeight(service, destination);
    },
    healthHoldsNone: () => monitor.holdsNone(),
  });
  const rollout = async (p: DirectorPlan) => {
    const result = await applier.apply(p, 'apply', () => undefined);
    await monitor.update(p.services);
    return result;
  };
  return { ipvs, writer, monitor, scheduler, rollout, asked };
}

describe('one owner of every IPVS write', () => {
  it('a rollout during an outage never raises the dead realserver, in any write', async () => {
    const d = await director((address) => address !== '10.0.0.11');
    await d.rollout(plan(1, web({ web1: 1, web2: 1 })));
    await d.scheduler.advance(100);
    assert.deepEqual(weightsOf(d.ipvs), { '10.0.0.11': 0, '10.0.0.12': 1 }, 'web1 quiesced by health');

    const writes: Array<{ ops: IpvsOperation[]; web1: number | undefined }> = [];
    d.ipvs.onBatch = (table) => writes.push({
      ops: d.ipvs.batches[d.ipvs.batches.length - 1],
      web1: table.flatMap((s) => s.destinations).find((x) => x.address === '10.0.0.11')?.weight,
    });
    // The new plan raises web1's weight and changes the scheduler: an apply that writes.
    const result = await d.rollout(plan(2, web({ web1: 5, web2: 2 }, 'rr')));
    await d.scheduler.advance(100);
    assert.equal(result.outcome, 'changed', result.message);
    assert.ok(writes.length >= 1);
    assert.deepEqual(writes.map((w) => w.web1), writes.map(() => 0), 'web1 at 0 after every write');
    const raised = writes.flatMap((w) => w.ops).filter((op) => op.op === 'edit-destination' && op.destination.address === '10.0.0.11');
    assert.deepEqual(raised, [], 'no operation touched web1 at all');
    assert.deepEqual(weightsOf(d.ipvs), { '10.0.0.11': 0, '10.0.0.12': 2 });
    await d.monitor.stop();
  });

  it('asks health for no weight while every realserver is up, and for each once one is down', async () => {
    let web1Up = true;
    const d = await director((address) => address !== '10.0.0.11' || web1Up);
    await d.rollout(plan(1, web({ web1: 1, web2: 1 })));
    await d.scheduler.advance(100);
    assert.equal((await d.rollout(plan(2, web({ web1: 3, web2: 1 })))).outcome, 'changed');
    assert.equal(d.asked.weights, 0, 'nothing down: every weight is the plan\'s, none asked');
    assert.deepEqual(weightsOf(d.ipvs), { '10.0.0.11': 3, '10.0.0.12': 1 });
    web1Up = false;
    await d.scheduler.advance(1100);
    assert.equal(weightsOf(d.ipvs)['10.0.0.11'], 0, 'web1 quiesced by health');
    assert.equal((await d.rollout(plan(3, web({ web1: 4, web2: 2 })))).outcome, 'changed');
    assert.ok(d.asked.weights >= 2, 'web1 down: the apply asks health the weight of each destination');
    assert.deepEqual(weightsOf(d.ipvs), { '10.0.0.11': 0, '10.0.0.12': 2 }, 'web1 stays at 0 through the apply');
    await d.monitor.stop();
  });

  it('gives the dead realserver its new plan weight once it is back', async () => {
    let web1Up = false;
    const d = await director((address) => address !== '10.0.0.11' || web1Up);
    await d.rollout(plan(1, web({ web1: 1, web2: 1 })));
    await d.scheduler.advance(100);
    await d.rollout(plan(2, web({ web1: 5, web2: 1 })));
    assert.equal(weightsOf(d.ipvs)['10.0.0.11'], 0);
    web1Up = true;
    await d.scheduler.advance(1100);
    assert.equal(weightsOf(d.ipvs)['10.0.0.11'], 5);
    await d.monitor.stop();
  });

  it('a health write asked for during an apply lands after its read-back, so the apply is not rolled back', async () => {
    const d = await director(() => true);
    await d.rollout(plan(1, web({ web1: 1, web2: 1 })));
    const order: string[] = [];
    let healthWrite: Promise<void> | undefined;
    d.ipvs.onBatch = () => {
      order.push(`batch ${d.ipvs.batches.length}`);
      // A check result arrives right after the apply's batch, before its read-back.
      healthWrite ??= ipvsWeightControl(d.writer).setWeights([
        { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, destination: { address: '10.0.0.12', port: 80, weight: 0, forwarding: 'dr' }, previousWeight: 3 },
      ]).then(() => { order.push('health write done'); });
    };
    const reads = d.ipvs.calls.read;
    const result = await d.rollout(plan(2, web({ web1: 1, web2: 3 })));
    await healthWrite;
    assert.equal(result.outcome, 'changed', result.message);
    assert.equal(d.ipvs.calls.read - reads, 2, 'the apply read once and read back once');
    assert.deepEqual(order.slice(0, 3), ['batch 2', 'batch 3', 'health write done']);
    assert.equal(weightsOf(d.ipvs)['10.0.0.12'], 0, 'the health write went in after the apply');
    await d.monitor.stop();
  });
});
