import assert from 'assert';
import type { RealserverPlan } from '../../../lvs/host-plan';
import { HealthHistory } from '../../../agent/health/history';
import { firstRoundDelayMs, portListeningChecks, RealserverSelfReport } from '../../../agent/realserver/self-report';
import { FakeClock } from '../health/fake-clock';
import { FakeRealserverHost } from '../../../agent/kernel/fake/realserver-fakes';
import { silentLogger } from '../../../agent/logging';

const plan: RealserverPlan = {
  role: 'realserver', cluster: 'shop', host: 'web1', generation: 1, address: '10.0.0.11', prepare: false,
  duties: [
    { service: 'shop', forwarding: 'dr', vips: ['10.0.0.100'], directors: [], ports: [80] },
    { service: 'ftp', forwarding: 'dr', vips: ['10.0.0.100'], directors: [], ports: [21] },
  ],
};

describe('realserver self-check: the service port is listening', () => {
  it('passes a port served on the VIP and fails one served on loopback only, with the fix', () => {
    const checks = portListeningChecks(plan, [{ address: '10.0.0.100', port: 80 }, { address: '127.0.0.1', port: 21 }]);
    assert.deepStrictEqual(checks.map((c) => `${c.target} ${c.status}`), ['shop port 80 ok', 'ftp port 21 failed']);
    assert.match(checks[1].message, /nothing listens on tcp port 21 for ftp .*\(only at 127\.0\.0\.1\)/);
    assert.match(checks[1].fix ?? '', /start the server of ftp on port 21/);
  });

  it('checks every port of a host in a service at several ports, in one line naming them, and says which are missing', () => {
    const nat = { ...plan, duties: [{ service: 'app', forwarding: 'nat' as const, vips: ['10.0.0.100'], directors: ['10.0.0.1'], ports: [8001, 8002, 8003, 8005] }] };
    const all = [8001, 8002, 8003, 8005].map((port) => ({ address: '0.0.0.0', port }));
    assert.deepStrictEqual(portListeningChecks(nat, all).map((c) => [c.target, c.status, c.message]), [
      ['app ports 8001-8003, 8005', 'ok', 'something listens on each of ports 8001-8003, 8005 for app'],
    ]);
    const some = [{ address: '0.0.0.0', port: 8001 }, { address: '127.0.0.1', port: 8002 }, { address: '0.0.0.0', port: 8005 }];
    const [failed] = portListeningChecks(nat, some);
    assert.equal(failed.target, 'app ports 8001-8003, 8005');
    assert.equal(failed.status, 'failed');
    assert.equal(failed.message, 'nothing listens on tcp ports 8002-8003 for app at 0.0.0.0, 10.0.0.11 or 10.0.0.100 (only at 127.0.0.1:8002)');
    assert.match(failed.fix ?? '', /^start the server of app on ports 8002-8003, listening on 0\.0\.0\.0 or 10\.0\.0\.100/);
  });

  it('asks nothing of a duty without ports', () => {
    assert.deepStrictEqual(portListeningChecks({ ...plan, duties: [{ ...plan.duties[0], ports: [] }] }, []), []);
  });
});

describe('realserver self-checks after an apply', () => {
  it('run at once for a new plan, not again for the same plan with a new generation (its verify just made them)', async () => {
    const host = new FakeRealserverHost({ address: '10.0.0.11' });
    const kernel = host.kernel();
    let inspections = 0;
    const counted = { ...kernel, addresses: { ...kernel.addresses, list: () => { inspections++; return kernel.addresses.list(); } } };
    const report = new RealserverSelfReport({ kernel: counted, readListening: async () => [], history: new HealthHistory(), logger: silentLogger() });
    await report.setPlan(plan);
    const first = inspections;
    assert.ok(first > 0, 'the first plan is checked at once');
    await report.setPlan({ ...plan, generation: 2 });
    assert.strictEqual(inspections, first, 'the same plan again: no new round');
    assert.strictEqual(report.latest().plan?.generation, 2);
    await report.setPlan({ ...plan, generation: 3, duties: [plan.duties[0]] });
    assert.ok(inspections > first, 'a changed plan is checked at once');
    await report.stop();
  });
});

describe('realserver self-checks read the listeners only for ports to check', () => {
  it('a plan without ports never reads them; one with ports does, each round', async () => {
    const host = new FakeRealserverHost({ address: '10.0.0.11' });
    let reads = 0;
    const readListening = async () => { reads++; return [{ address: '0.0.0.0', port: 80 }]; };
    const report = new RealserverSelfReport({ kernel: host.kernel(), readListening, history: new HealthHistory(), logger: silentLogger() });
    await report.setPlan({ ...plan, duties: plan.duties.map((d) => ({ ...d, ports: [] })) });
    await report.runOnce();
    assert.strictEqual(reads, 0);
    await report.setPlan(plan);
    assert.strictEqual(reads, 1);
    assert.deepStrictEqual(report.latest().checks.filter((c) => c.action === 'check-port-listening').map((c) => `${c.target} ${c.status}`), ['shop port 80 ok', 'ftp port 21 failed']);
    await report.stop();
  });
});

describe('realserver self-check loop: agents started together do not check together', () => {
  it('puts the first round somewhere in the first interval, never at once nor later than the interval', () => {
    assert.strictEqual(firstRoundDelayMs(10_000, 0), 10_000);
    assert.strictEqual(firstRoundDelayMs(10_000, 0.25), 7_500);
    assert.strictEqual(firstRoundDelayMs(10_000, 0.9999999), 1);
    assert.strictEqual(firstRoundDelayMs(10_000, 1), 1, 'a generator at its bound still waits');
  });

  it('rounds at the drawn offset, then every interval; two agents with different draws stay apart', async () => {
    const clock = new FakeClock();
    const started = clock.now();
    const roundsAt = (draw: number): number[] => {
      const host = new FakeRealserverHost({ address: '10.0.0.11' });
      const kernel = host.kernel();
      const at: number[] = [];
      const counted = { ...kernel, addresses: { ...kernel.addresses, list: () => { at.push(clock.elapsedSince(started)); return kernel.addresses.list(); } } };
      const report = new RealserverSelfReport({ kernel: counted, readListening: async () => [], history: new HealthHistory(), logger: silentLogger(), clock, intervalMs: 10_000, random: () => draw });
      void report.setPlan(plan).then(() => report.start());
      stops.push(() => report.stop());
      return at;
    };
    const stops: Array<() => Promise<void>> = [];
    const early = roundsAt(0.7);
    const late = roundsAt(0.2);
    await clock.advance(35_000);
    assert.deepStrictEqual(early, [0, 3_000, 13_000, 23_000, 33_000], 'the plan at once, then 3 s in, then every 10 s');
    assert.deepStrictEqual(late, [0, 8_000, 18_000, 28_000]);
    await Promise.all(stops.map((stop) => stop()));
  });
});

describe('health history', () => {
  it('keeps the last N events and tells a watcher what it missed', () => {
    const history = new HealthHistory(3);
    const at = new Date(0);
    const mark = history.position;
    for (let i = 0; i < 5; i++) history.record({ at, kind: 'self-check', message: `e${i}` });
    assert.deepStrictEqual(history.recent().map((e) => e.message), ['e2', 'e3', 'e4']);
    assert.deepStrictEqual(history.since(mark).map((e) => e.message), ['e2', 'e3', 'e4']);
    assert.deepStrictEqual(history.since(4).map((e) => e.message), ['e4']);
    assert.deepStrictEqual(history.since(history.position), []);
  });
});
