import assert from 'assert';
import type { DirectorService, HealthCheckSpec } from '../../../lvs/host-plan';
import { HealthMonitor } from '../../../agent/health/monitor';
import type { HealthNotice, HealthTransition, WeightChange } from '../../../lvs/health/types';
import { FakeClock } from './fake-clock';

const spec: HealthCheckSpec = {
  type: 'http', port: 80, path: '/health', expectStatus: 0, intervalMs: 1000, timeoutMs: 500, fall: 3, rise: 2,
};

function webService(realservers: { host: string; address: string; weight?: number }[], healthCheck: HealthCheckSpec | null = spec): DirectorService {
  return {
    name: 'web',
    service: { key: { kind: 'tcp', vip: '10.0.0.100', port: 80 }, scheduler: 'wlc', flags: [] },
    realservers: realservers.map((r) => ({
      host: r.host, destination: { address: r.address, port: 80, weight: r.weight ?? 1, forwarding: 'dr' },
    })),
    ...(healthCheck ? { healthCheck } : {}),
  };
}

/** A realserver farm whose health the test switches, and a kernel that records weight batches. */
function harness() {
  const healthy = new Map<string, boolean>();
  const checked: string[] = [];
  const batches: WeightChange[][] = [];
  const transitions: HealthTransition[] = [];
  const notices: HealthNotice[] = [];
  let failWeights = false;
  const scheduler = new FakeClock();
  const monitor = new HealthMonitor({
    clock: scheduler,
    runCheck: async (_spec, address) => {
      checked.push(address);
      const ok = healthy.get(address) ?? true;
      return { ok, latencyMs: 3, detail: ok ? 'status 200' : `connect ECONNREFUSED ${address}:80` };
    },
    weights: {
      setWeights: async (changes) => {
        if (failWeights) throw new Error('ipvsadm -R: exited with status 2');
        batches.push(changes);
      },
    },
  });
  monitor.on('transition', (t) => transitions.push(t));
  monitor.on('notice', (n) => notices.push(n));
  const weightsSet = () => batches.map((b) => b.map((c) => `${c.destination.address}=${c.destination.weight}`).join(' '));
  return {
    monitor, scheduler, healthy, checked, batches, transitions, notices, weightsSet,
    failWeightsNext: (v: boolean) => { failWeights = v; },
  };
}

const twoServers = [{ host: 'web1', address: '10.0.0.11' }, { host: 'web2', address: '10.0.0.12', weight: 3 }];

describe('health monitor', () => {
  it('checks every realserver at once and then every interval', async () => {
    const h = harness();
    await h.monitor.update([webService(twoServers)]);
    await h.scheduler.advance(2500);
    assert.deepStrictEqual(h.checked, ['10.0.0.11', '10.0.0.12', '10.0.0.11', '10.0.0.12', '10.0.0.11', '10.0.0.12']);
  });

  it('quiesces a realserver that fails `fall` times: weight 0 set once, one transition', async () => {
    const h = harness();
    await h.monitor.update([webService(twoServers)]);
    await h.scheduler.advance(100);
    const failingFrom = h.scheduler.now();
    h.healthy.set('10.0.0.11', false);
    await h.scheduler.advance(10_000);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.11=0']);
    assert.deepStrictEqual(h.batches[0][0].key, { kind: 'tcp', vip: '10.0.0.100', port: 80 });
    const down = h.transitions.filter((t) => t.to === 'down');
    assert.strictEqual(down.length, 1);
    assert.deepStrictEqual(
      { service: down[0].service, host: down[0].host, address: down[0].address, from: down[0].from, reason: down[0].reason },
      { service: 'web', host: 'web1', address: '10.0.0.11:80', from: 'up', reason: 'connect ECONNREFUSED 10.0.0.11:80' },
    );
    const bound = spec.fall * spec.intervalMs + spec.intervalMs;
    assert.ok(down[0].at.getTime() - failingFrom.getTime() <= bound, `quiesced within fall × interval + interval (${bound} ms)`);
    const web1 = h.monitor.snapshot().targets.find((t) => t.host === 'web1');
    assert.strictEqual(web1?.state, 'down');
    assert.strictEqual(web1?.currentWeight, 0);
    assert.strictEqual(web1?.plannedWeight, 1);
  });

  it('gives the plan weight back after `rise` passes', async () => {
    const h = harness();
    h.healthy.set('10.0.0.12', false);
    await h.monitor.update([webService(twoServers)]);
    await h.scheduler.advance(5000);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.12=0']);
    h.healthy.set('10.0.0.12', true);
    await h.scheduler.advance(1000);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.12=0'], 'one pass is not enough');
    await h.scheduler.advance(1000);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.12=0', '10.0.0.12=3']);
    assert.deepStrictEqual(h.transitions.filter((t) => t.host === 'web2').map((t) => `${t.from}->${t.to}: ${t.reason}`), [
      'unknown->down: connect ECONNREFUSED 10.0.0.12:80',
      'down->up: 2 checks passed',
    ]);
  });

  it('stops checking a realserver removed from the plan, and forgets it', async () => {
    const h = harness();
    await h.monitor.update([webService(twoServers)]);
    await h.scheduler.advance(1500);
    await h.monitor.update([webService([twoServers[0]])]);
    const before = h.checked.filter((a) => a === '10.0.0.12').length;
    await h.scheduler.advance(5000);
    assert.strictEqual(h.checked.filter((a) => a === '10.0.0.12').length, before);
    assert.deepStrictEqual(h.monitor.snapshot().targets.map((t) => t.host), ['web1']);
    assert.strictEqual(h.scheduler.pendingCount(), 1, 'only web1 still has a loop');
  });

  it('keeps the state of realservers that remain, and a down one stays quiesced through an apply without a second write', async () => {
    const h = harness();
    h.healthy.set('10.0.0.11', false);
    await h.monitor.update([webService(twoServers)]);
    await h.scheduler.advance(3000);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.11=0']);
    // A new rollout changed web2's weight; the applier asked wantedWeight: web1 stays at 0.
    const next = webService([twoServers[0], { ...twoServers[1], weight: 5 }]);
    assert.strictEqual(h.monitor.wantedWeight(next, next.realservers[0].destination), 0, 'web1 is known down');
    assert.strictEqual(h.monitor.wantedWeight(next, next.realservers[1].destination), 5, 'web2 gets its new plan weight');
    await h.monitor.update([next]);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.11=0'], 'nothing to put right after the apply');
    const snap = h.monitor.snapshot().targets;
    assert.deepStrictEqual(snap.map((t) => `${t.host} ${t.state} ${t.currentWeight}/${t.plannedWeight}`), ['web1 down 0/1', 'web2 up 5/5']);
    assert.strictEqual(h.scheduler.pendingCount(), 2, 'no second loop for a target that remained');
  });

  it('takes a re-applied service object as it is: a down one stays quiesced, checks go on, one loop per target', async () => {
    const h = harness();
    const other = { ...webService([{ host: 'api1', address: '10.0.1.11' }]), name: 'api', service: { key: { kind: 'tcp' as const, vip: '10.0.0.101', port: 80 }, scheduler: 'wlc' as const, flags: [] } };
    const web = webService(twoServers);
    h.healthy.set('10.0.0.11', false);
    await h.monitor.update([web, other]);
    await h.scheduler.advance(3000);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.11=0']);
    // the same objects again (lvs/wire/decoded-services.ts hands out the very service when its bytes did not change)
    await h.monitor.update([web, other]);
    await h.monitor.update([web, { ...other }]);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.11=0'], 'nothing to put right after the applies');
    assert.deepStrictEqual(h.monitor.snapshot().targets.map((t) => `${t.host} ${t.state} ${t.currentWeight}/${t.plannedWeight}`), ['web1 down 0/1', 'web2 up 3/3', 'api1 up 1/1']);
    assert.strictEqual(h.scheduler.pendingCount(), 3, 'no second loop for a target kept');
    // a check result still moves only its own service's weights
    h.healthy.set('10.0.0.11', true);
    h.healthy.set('10.0.1.11', false);
    await h.scheduler.advance(5000);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.11=0', '10.0.0.11=1'], 'api1, the last of its service, is kept (the all-down policy)');
    assert.deepStrictEqual(h.monitor.snapshot().targets.map((t) => `${t.host} ${t.state} ${t.currentWeight}`), ['web1 up 1', 'web2 up 3', 'api1 down 1']);
  });

  it('keeps the last realserver when all fail, says so, and quiesces it when another is back', async () => {
    const h = harness();
    await h.monitor.update([webService(twoServers)]);
    await h.scheduler.advance(100);
    h.healthy.set('10.0.0.11', false);
    await h.scheduler.advance(3000);
    h.healthy.set('10.0.0.12', false);
    await h.scheduler.advance(3000);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.11=0'], 'web2 keeps its weight');
    assert.deepStrictEqual(h.notices.map((n) => `${n.kind} ${n.host}`), ['kept-last web2']);
    assert.match(h.notices[0].message, /every realserver of web is down: web2 keeps weight 3/);
    assert.strictEqual(h.monitor.snapshot().targets[1].keptLast, true);
    h.healthy.set('10.0.0.11', true);
    await h.scheduler.advance(2000);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.11=0', '10.0.0.11=1 10.0.0.12=0'], 'one batch for both');
    assert.deepStrictEqual(h.notices.map((n) => `${n.kind} ${n.host}`), ['kept-last web2', 'released web2']);
  });

  it('reports a weight change the kernel refused and retries it after the next check', async () => {
    const h = harness();
    h.healthy.set('10.0.0.11', false);
    h.failWeightsNext(true);
    await h.monitor.update([webService(twoServers)]);
    await h.scheduler.advance(2500);
    assert.ok(h.notices.length >= 1 && h.notices.every((n) => n.kind === 'weight-failed'));
    assert.deepStrictEqual(h.batches, []);
    assert.match(h.notices[0].message, /could not set weights of web \(10\.0\.0\.11:80 → 0\): ipvsadm -R: exited with status 2/);
    h.failWeightsNext(false);
    await h.scheduler.advance(1000);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.11=0']);
  });

  it('lists a service without health check but never checks or touches it', async () => {
    const h = harness();
    await h.monitor.update([webService(twoServers, null)]);
    await h.scheduler.advance(5000);
    assert.deepStrictEqual(h.checked, []);
    assert.deepStrictEqual(h.batches, []);
    const t = h.monitor.snapshot().targets[0];
    assert.deepStrictEqual([t.checked, t.state, t.reason], [false, 'unknown', 'no health check in the plan']);
  });

  it('takes 2,000 services without health checks with no loop, no weight set, and every destination in its Health rows', async () => {
    const h = harness();
    const services = Array.from({ length: 2000 }, (_, i) => ({
      ...webService(Array.from({ length: 10 }, (_, j) => ({ host: `web${j}`, address: `10.1.${j}.${(i % 250) + 1}`, weight: (j % 3) + 1 })), null),
      name: `svc${i}`,
      service: { key: { kind: 'tcp' as const, vip: `10.100.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 80 }, scheduler: 'wlc' as const, flags: [] },
    }));
    await h.monitor.update(services);
    await h.monitor.update(services); // the same objects again, as a re-apply hands them over
    await h.scheduler.advance(5000);
    assert.deepStrictEqual([h.checked.length, h.batches.length, h.scheduler.pendingCount()], [0, 0, 0]);
    const rows = h.monitor.snapshot().targets;
    assert.strictEqual(rows.length, 20_000);
    const expected = services.flatMap((s) => s.realservers.map((r) =>
      `${s.name} ${r.host} ${r.destination.address}:80 unchecked unknown ${r.destination.weight}/${r.destination.weight} no health check in the plan`));
    assert.deepStrictEqual(rows.map((t) => `${t.service} ${t.host} ${t.address} ${t.checked ? 'checked' : 'unchecked'} ${t.state} ${t.currentWeight}/${t.plannedWeight} ${t.reason}`), expected);
    const last = services[1999];
    assert.strictEqual(h.monitor.wantedWeight(last, last.realservers[2].destination), 3);
  });

  it('starts checking a service once the plan gives it a check, and stops when the plan takes it away', async () => {
    const h = harness();
    await h.monitor.update([webService(twoServers, null)]);
    h.healthy.set('10.0.0.11', false);
    await h.monitor.update([webService(twoServers)]);
    await h.scheduler.advance(3000);
    assert.deepStrictEqual(h.weightsSet(), ['10.0.0.11=0']);
    const unchecked = webService(twoServers, null);
    assert.strictEqual(h.monitor.wantedWeight(unchecked, unchecked.realservers[0].destination), 1, 'no check: the plan weight');
    await h.monitor.update([unchecked]);
    const count = h.checked.length;
    await h.scheduler.advance(5000);
    assert.strictEqual(h.checked.length, count, 'no check after the plan dropped it');
    assert.strictEqual(h.scheduler.pendingCount(), 0);
    assert.deepStrictEqual(h.monitor.snapshot().targets.map((t) => `${t.host} ${t.checked} ${t.state} ${t.currentWeight}/${t.plannedWeight}`), ['web1 false unknown 1/1', 'web2 false unknown 3/3']);
  });

  it('shows what the kernel holds for a service without a check when resuming over a table an earlier run changed', async () => {
    const h = harness();
    await h.monitor.update([webService(twoServers, null)], (_key, d) => (d.address === '10.0.0.11' ? 0 : undefined));
    await h.scheduler.advance(3000);
    assert.deepStrictEqual([h.checked.length, h.batches.length], [0, 0], 'never touched');
    assert.deepStrictEqual(h.monitor.snapshot().targets.map((t) => `${t.host} ${t.currentWeight}/${t.plannedWeight}`), ['web1 0/1', 'web2 3/3']);
  });

  it('takes the very services of the last update again as they are, but not after an update that was given kernel weights', async () => {
    const h = harness();
    const services = [webService(twoServers, null)];
    // resuming: the kernel holds web1 at 0; then the first rollout, with the same service objects, gives the plan weight back
    await h.monitor.update(services, (_key, d) => (d.address === '10.0.0.11' ? 0 : undefined));
    await h.monitor.update(services);
    assert.deepStrictEqual(h.monitor.snapshot().targets.map((t) => `${t.host} ${t.currentWeight}/${t.plannedWeight}`), ['web1 1/1', 'web2 3/3']);
    // a no-op rollout: the same objects, nothing made again, the rows as they were
    await h.monitor.update(services);
    assert.deepStrictEqual(h.monitor.snapshot().targets.map((t) => `${t.host} ${t.currentWeight}/${t.plannedWeight}`), ['web1 1/1', 'web2 3/3']);
    assert.deepStrictEqual([h.checked.length, h.batches.length], [0, 0], 'never touched');
  });

  it('snapshots state, weights, last check time, latency and reason', async () => {
    const h = harness();
    await h.monitor.update([webService(twoServers)]);
    await h.scheduler.advance(1000);
    const t = h.monitor.snapshot().targets[0];
    assert.deepStrictEqual(
      { state: t.state, planned: t.plannedWeight, current: t.currentWeight, at: t.lastCheckAt, latency: t.lastLatencyMs, reason: t.reason },
      { state: 'up', planned: 1, current: 1, at: h.scheduler.now(), latency: 3, reason: 'status 200' },
    );
  });

  it('runs no more checks after stop()', async () => {
    const h = harness();
    await h.monitor.update([webService(twoServers)]);
    await h.scheduler.advance(1000);
    await h.monitor.stop();
    const count = h.checked.length;
    await h.scheduler.advance(5000);
    assert.strictEqual(h.checked.length, count);
    assert.strictEqual(h.scheduler.pendingCount(), 0);
  });
});
