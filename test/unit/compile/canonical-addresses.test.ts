// A plan's addresses reach every agent in the kernel's one spelling, however the plan spells
// them: a director compared its table with the plan as text, so a VIP written 2001:DB8:0::100
// (the kernel's 2001:db8::100) was added again at every rollout and refused by the kernel, and
// a realserver took the VIP on its lo for a stale one and removed it.
import { strict as assert } from 'node:assert';
import { compileHostPlans } from '../../../controller/plan/compile';
import { loadPlanText } from '../../../controller/plan/load';
import type { DirectorPlan, RealserverPlan } from '../../../lvs/host-plan';

const PLAN = {
  apiVersion: 'lvsctl/v1', cluster: 'v6',
  hosts: {
    lvs1: { role: 'director', address: '2001:DB8:0::1' },
    lvs2: { role: 'director', address: '2001:db8::2' },
    web1: { role: 'realserver', address: '2001:0DB8::11' },
  },
  marks: [
    { mark: 1, protocol: 'tcp', destination: '2001:db8::200', ports: ['80'] },
    { mark: 1, protocol: 'tcp', destination: '2001:DB8:0:0::200', ports: ['443'] },
  ],
  services: [
    { name: 'web', vip: '2001:DB8:0::100', port: 80, realservers: [{ host: 'web1' }] },
    { name: 'marked', fwmark: 1, persistence: { timeout: 60 }, realservers: [{ host: 'web1' }] },
  ],
  directorGroups: [{ name: 'g', directors: ['lvs1', 'lvs2'], virtualRouterId: 51, interface: 'eth0' }],
};

describe('a plan\'s addresses in the kernel\'s spelling', () => {
  it('the director\'s VIPs, destinations and VRRP addresses, and the realserver\'s VIPs, each once', () => {
    const loaded = loadPlanText(JSON.stringify(PLAN));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const addresses = new Map(Object.entries(loaded.plan.hosts).map(([n, h]) => [n, h.address ?? '']));
    const plans = compileHostPlans(loaded.plan, addresses, 1);
    const lvs1 = plans.get('lvs1') as DirectorPlan;
    const web = lvs1.services.find((s) => s.name === 'web');
    assert.deepEqual(web?.service.key, { kind: 'tcp', vip: '2001:db8::100', port: 80 });
    assert.deepEqual(web?.realservers.map((r) => r.destination.address), ['2001:db8::11']);
    assert.deepEqual(lvs1.vrrp?.addresses, ['2001:db8::100', '2001:db8::200']);
    const web1 = plans.get('web1') as RealserverPlan;
    assert.equal(web1.address, '2001:db8::11');
    assert.deepEqual(web1.duties.map((d) => [d.service, d.vips]), [['web', ['2001:db8::100']], ['marked', ['2001:db8::200']]]);
  });
});
