import { strict as assert } from 'node:assert';
import { groupView, renderGroupViews } from '../../../controller/report/group-view';
import type { ServiceCounters } from '../../../lvs/status';
import type { VrrpStatus } from '../../../lvs/vrrp';

function table(weight: number): ServiceCounters[] {
  return [{
    service: { key: { kind: 'fwmark', mark: 1, family: 'inet' }, scheduler: 'wlc', flags: [], persistence: { timeout: 360 } },
    managed: true,
    destinations: [{ destination: { address: '10.0.0.11', port: 0, weight, forwarding: 'dr' }, activeConnections: 0, inactiveConnections: 0 }],
  }];
}
const vrrp = (state: VrrpStatus['state']): VrrpStatus => ({ group: 'front', state, priority: 100, configOwned: true });

describe('a director group in status and health', () => {
  it('names the master and says the tables match', () => {
    const v = groupView('front', [{ host: 'lvs1', vrrp: vrrp('MASTER'), services: table(1) }, { host: 'lvs2', vrrp: vrrp('BACKUP'), services: table(1) }]);
    assert.deepEqual(v.masters, ['lvs1']);
    assert.equal(v.tablesMatch, true);
    assert.deepEqual(v.problems, []);
    assert.equal(renderGroupViews([v]), 'group front: master lvs1; tables match (lvs1 MASTER, lvs2 BACKUP)\n');
  });

  it('reports split brain, a backup with another table, and keepalived stopped', () => {
    const split = groupView('front', [{ host: 'lvs1', vrrp: vrrp('MASTER'), services: table(1) }, { host: 'lvs2', vrrp: vrrp('MASTER'), services: table(2) }]);
    assert.match(split.problems.join('\n'), /split brain: lvs1 and lvs2 are all MASTER/);
    assert.deepEqual(split.differing, ['lvs2']);
    assert.match(renderGroupViews([split]), /SPLIT BRAIN \(lvs1, lvs2\); TABLES DIFFER/);
    const stopped = groupView('front', [{ host: 'lvs1', vrrp: vrrp('STOPPED') }, { host: 'lvs2', unreachable: 'connection refused' }]);
    assert.equal(stopped.tablesMatch, undefined);
    assert.match(stopped.problems.join('\n'), /no director is MASTER[\s\S]*lvs1: keepalived is not running/);
  });
});
