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

  it('puts each IPv4 VIP and mark destination on the director once', () => {
    assert.deepEqual(planVips(dr), ['10.0.0.100', '10.0.0.101']);
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
