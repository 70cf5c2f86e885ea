// A director whose IPVS table cannot be read says so as a failed check of its own, which
// lvsctl health shows in its checks table and counts as a failure (exit 2), not only as a
// note beside an all-clear.
import assert from 'assert';
import { directorHealthSource } from '../../../agent/health/director-health';
import { HealthHistory } from '../../../agent/health/history';
import type { HealthMonitor } from '../../../agent/health/monitor';
import { EXIT } from '../../../controller/exit-codes';
import { executeHealth } from '../../../controller/fleet/health-command';
import { directorHealth, fleetDeps, PLAN_PATH, realserverHealth } from '../fleet/in-memory-readers';

const NO_TARGETS = { snapshot: () => ({ targets: [] }) } as unknown as HealthMonitor;

describe('a director that cannot read its IPVS table', () => {
  it('reports a failed self-check naming the error and the fix', async () => {
    const source = directorHealthSource({
      monitor: NO_TARGETS, history: new HealthHistory(), hasPlan: () => true,
      readKernel: () => Promise.reject(new Error('Protocol not available (is ip_vs loaded?)')),
    });
    const view = await source.view();
    assert.deepStrictEqual(view.selfChecks.map((c) => [c.action, c.status]), [['read-ipvs-table', 'failed']]);
    assert.match(view.selfChecks[0].message, /the IPVS table could not be read \(Protocol not available \(is ip_vs loaded\?\)\)/);
    assert.match(view.selfChecks[0].fix ?? '', /ip_vs module is loaded/);
    // kept for a controller of an earlier release, which shows only realservers' checks
    assert.match(view.note ?? '', /^the IPVS table could not be read \(Protocol not available/);
  });

  it('reports no self-check when the table reads', async () => {
    const source = directorHealthSource({ monitor: NO_TARGETS, history: new HealthHistory(), hasPlan: () => true, readKernel: async () => [] });
    assert.deepStrictEqual((await source.view()).selfChecks, []);
  });

  it('makes lvsctl health show the failed check under the director and exit 2', async () => {
    const source = directorHealthSource({
      monitor: NO_TARGETS, history: new HealthHistory(), hasPlan: () => true,
      readKernel: () => Promise.reject(new Error('netlink: ENOENT')),
    });
    const { selfChecks } = await source.view();
    const deps = fleetDeps({ lvs: { health: { ...directorHealth('up'), selfChecks } }, rs1: { health: realserverHealth('rs1', true) }, rs2: { health: realserverHealth('rs2', true) } });
    const code = await executeHealth(PLAN_PATH, {}, deps);
    assert.strictEqual(code, EXIT.hostFailed);
    assert.match(deps.out(), /^HOST\s+CHECK\s+TARGET\s+STATUS\s+MESSAGE$/m);
    assert.match(deps.out(), /^lvs\s+read-ipvs-table\s+IPVS\s+failed\s+the IPVS table could not be read \(netlink: ENOENT\).*\(fix: check that the ip_vs module is loaded/m);
  });

  it('records a self-check event when the read starts failing and when it reads again, once each way', async () => {
    const history = new HealthHistory();
    let failing = false;
    const source = directorHealthSource({
      monitor: NO_TARGETS, history, hasPlan: () => true, now: () => new Date('2026-12-06T12:00:01Z'),
      readKernel: async () => { if (failing) throw new Error('netlink: ENOENT'); return []; },
    });
    await source.view();
    assert.deepStrictEqual(history.recent(), [], 'a first read that works is no news');
    failing = true;
    await source.view();
    await source.view();
    failing = false;
    await source.view();
    assert.deepStrictEqual(history.recent().map((e) => [e.kind, e.message]), [
      ['self-check', 'read-ipvs-table IPVS: ok → failed: the IPVS table could not be read (netlink: ENOENT): kernel weights and connections are missing'],
      ['self-check', 'read-ipvs-table IPVS: failed → ok: the IPVS table reads again'],
    ]);
  });

  it('records a first read that fails', async () => {
    const history = new HealthHistory();
    const source = directorHealthSource({
      monitor: NO_TARGETS, history, hasPlan: () => true,
      readKernel: () => Promise.reject(new Error('netlink: ENOENT')),
    });
    await source.view();
    assert.deepStrictEqual(history.recent().map((e) => e.message), ['read-ipvs-table IPVS: failed: the IPVS table could not be read (netlink: ENOENT): kernel weights and connections are missing']);
  });
});
