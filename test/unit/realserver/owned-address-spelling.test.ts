// A VIP the realserver agent added and recorded as the plan then spelt it (2001:DB8:0::100) is
// the VIP a plan in the kernel's spelling (2001:db8::100) still wants: not stale, not removed.
import { strict as assert } from 'node:assert';
import { isEmptyStale, staleOwned, wantedByPlan } from '../../../agent/realserver/ownership-plan';
import type { RealserverPlan } from '../../../lvs/host-plan';

const plan: RealserverPlan = {
  role: 'realserver', cluster: 'v6', host: 'web1', generation: 2, address: '2001:db8::11', prepare: true,
  duties: [{ service: 'web', forwarding: 'dr', vips: ['2001:db8::100'], directors: [] }],
};

describe('what a realserver owns, against a plan that spells its addresses another way', () => {
  it('an owned VIP recorded in another spelling is still wanted: nothing to undo', () => {
    const owned = { generation: 1, addresses: [{ device: 'lo', address: '2001:DB8:0::100', prefixlen: 128 }], links: [], sysctls: [] };
    const stale = staleOwned(owned, wantedByPlan(plan, 'eth0'));
    assert.deepEqual(stale.addresses, []);
    assert.equal(isEmptyStale(stale), true);
  });

  it('an owned VIP the plan no longer names is stale', () => {
    const owned = { generation: 1, addresses: [{ device: 'lo', address: '2001:db8::101', prefixlen: 128 }], links: [], sysctls: [] };
    assert.deepEqual(staleOwned(owned, wantedByPlan(plan, 'eth0')).addresses, owned.addresses);
  });
});
