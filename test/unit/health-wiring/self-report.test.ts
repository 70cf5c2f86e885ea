import assert from 'assert';
import type { RealserverPlan } from '../../../lvs/host-plan';
import { HealthHistory } from '../../../agent/health/history';
import { portListeningChecks } from '../../../agent/realserver/self-report';

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

  it('asks nothing of a duty without ports', () => {
    assert.deepStrictEqual(portListeningChecks({ ...plan, duties: [{ ...plan.duties[0], ports: [] }] }, []), []);
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
