import { strict as assert } from 'node:assert';
import { CLIENT_ADDRESS, CLIENT_NAME, labHosts, planVips, type TopologyPlan } from '../../lab/support/topology';

const client = { role: 'client' as const, name: CLIENT_NAME, address: CLIENT_ADDRESS };
const dr: TopologyPlan = {
  hosts: { d: { role: 'director', address: '10.0.0.1' }, r1: { role: 'realserver', address: '10.0.0.11' } },
  services: [{ vip: '10.0.0.100' }, { vip: '10.0.0.100' }, { vip: '2001:db8::100' }, {}],
  marks: [{ destination: '10.0.0.101' }],
};

describe('lab topology from a plan', () => {
  it('makes one namespace per plan host, named as the plan names it', () => {
    assert.deepEqual(labHosts(dr, client).map((h) => `${h.name}/${h.role}/${h.address}`), ['d/director/10.0.0.1', 'r1/realserver/10.0.0.11']);
  });

  it('puts each VIP and mark destination on the director once, IPv6 ones too', () => {
    assert.deepEqual(planVips(dr), ['10.0.0.100', '2001:db8::100', '10.0.0.101']);
  });

  it('takes IPv6 realservers on the lab\'s fd00::/64, and refuses other IPv6 networks and IPv6 directors', () => {
    const v6 = (address: string, role: 'director' | 'realserver' = 'realserver'): TopologyPlan => ({
      hosts: { d: { role: 'director', address: '10.0.0.1' }, r1: { role, address } }, services: [],
    });
    assert.deepEqual(labHosts(v6('fd00::11'), client).map((h) => h.address), ['10.0.0.1', 'fd00::11']);
    assert.throws(() => labHosts(v6('2001:db8::11'), client), /hosts\.r1\.address: "2001:db8::11" is outside the lab's IPv6 networks \(\/64s of fd00::\/16\); use an address such as fd00::11/);
    assert.throws(() => labHosts(v6('fd00::2', 'director'), client), /hosts\.r1\.address: "fd00::2" is IPv6; give lab directors an IPv4 address/);
  });

  it('refuses a host without an address, naming the host and the fix', () => {
    const plan: TopologyPlan = { hosts: { d: { role: 'director', address: '10.0.0.1' }, r9: { role: 'realserver' } }, services: [] };
    assert.throws(() => labHosts(plan, client), /^TopologyError: hosts\.r9: has no address; give every host an "address"/);
  });

  it('refuses two hosts on one address, and the client\'s address', () => {
    const plan: TopologyPlan = { hosts: { d: { role: 'director', address: '10.0.0.1' }, r1: { role: 'realserver', address: CLIENT_ADDRESS } }, services: [] };
    assert.throws(() => labHosts(plan, client), /hosts\.r1\.address: 10\.0\.0\.200 is already client's/);
  });

  it('refuses a name too long for the veth on the bridge', () => {
    const plan: TopologyPlan = { hosts: { 'director-number-one': { role: 'director', address: '10.0.0.1' } }, services: [] };
    assert.throws(() => labHosts(plan, client), /hosts\.director-number-one: .* cannot name a lab namespace; use at most 11/);
  });

  it('refuses a plan without a director', () => {
    assert.throws(() => labHosts({ hosts: { r1: { role: 'realserver', address: '10.0.0.11' } }, services: [] }, client), /hosts: no director/);
  });
});
