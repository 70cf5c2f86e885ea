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
});
