import { strict as assert } from 'node:assert';
import { compileHostPlans } from '../../../controller/plan/compile';
import { planSchema } from '../../../controller/plan/schema';
import { validatePlan } from '../../../controller/plan/validate';
import type { DirectorPlan, RealserverPlan } from '../../../lvs/host-plan';
import { expectProblem, expectValid, fixture, type Json, type JsonObject } from './helpers';

function haPlan(change: (plan: JsonObject & { directorGroups: JsonObject[] }) => void = () => undefined): JsonObject {
  const plan = fixture('ha.json') as JsonObject & { directorGroups: JsonObject[] };
  change(plan);
  return plan;
}

function twoGroups(): JsonObject & { directorGroups: JsonObject[] } {
  const plan = haPlan() as JsonObject & { directorGroups: JsonObject[]; hosts: JsonObject; services: Json[]; marks: Json[] };
  plan.hosts.lvs3 = { role: 'director', address: '10.0.0.3' };
  plan.hosts.lvs4 = { role: 'director', address: '10.0.0.4' };
  plan.services.push({ name: 'mail', vip: '10.0.0.101', port: 25, forwarding: 'nat', realservers: [{ host: 'web1' }] });
  plan.directorGroups[0].services = ['shop'];
  plan.directorGroups.push({ name: 'mail', directors: ['lvs3', 'lvs4'], virtualRouterId: 52, interface: 'eth0', services: ['mail'], natGateway: '10.0.0.254' });
  return plan;
}

describe('director groups in the plan', () => {
  it('examples/ha.json is valid, and a plan without groups is unchanged', () => {
    expectValid(haPlan());
    expectValid(haPlan((p) => { delete (p as JsonObject).directorGroups; }));
  });

  it('refuses a group that moves no address, or more than the agent takes (1000, natGateway included)', () => {
    expectProblem(haPlan((p) => { p.directorGroups[0].addresses = []; }), '/directorGroups/0/addresses', /moves no address: keepalived would have nothing to hand over/);
    const many = Array.from({ length: 1000 }, (_, i) => `10.200.${i >> 8}.${i & 255}`);
    const p = expectProblem(haPlan((plan) => { plan.directorGroups[0].addresses = many; plan.directorGroups[0].natGateway = '10.0.0.254'; }), '/directorGroups/0/addresses', /would move 1001 addresses \(its natGateway included\); a group moves at most 1000/);
    assert.match(p.hint ?? '', /split its services over two groups/);
  });

  it('refuses a VRRP password for a group that moves only IPv6 addresses (VRRPv3 has no authentication), and takes it with an IPv4 address beside', () => {
    const v6 = (plan: JsonObject & { directorGroups: JsonObject[] }, withV4: boolean): void => {
      plan.directorGroups[0].addresses = withV4 ? ['2001:db8::100', '10.0.0.100'] : ['2001:db8::100'];
      plan.directorGroups[0].authentication = { password: 'secret' };
    };
    const p = expectProblem(haPlan((plan) => v6(plan, false)), '/directorGroups/0/authentication', /group "front" moves only IPv6 addresses, so keepalived runs VRRP version 3 over IPv6 for it, which has no authentication/);
    assert.match(p.hint ?? '', /remove "authentication"/);
    expectValid(haPlan((plan) => v6(plan, true)));
  });

  it('refuses VRRP on the loopback device, which keepalived ignores; lo stays a sync or gateway interface', () => {
    const p = expectProblem(haPlan((plan) => { plan.directorGroups[0].interface = 'lo'; }), '/directorGroups/0/interface', /VRRP cannot run on the loopback device "lo": keepalived ignores the group's instance/);
    assert.match(p.hint ?? '', /such as "eth0"/);
    expectValid(haPlan((plan) => { plan.directorGroups[0].sync = { interface: 'lo' }; }));
  });

  it('refuses a VRRP password keepalived.conf would cut short or comment out, and takes one it carries as a word', () => {
    for (const password of ['ha}1', 'a b', '"ha"', 'ha#1', 'ha!1', 'ha$1', "it's"]) {
      expectProblem(haPlan((p) => { p.directorGroups[0].authentication = { password }; }), '/directorGroups/0/authentication/password', /must be 1\.\.8 letters, digits or any of/);
    }
    expectValid(haPlan((p) => { p.directorGroups[0].authentication = { password: 'Ha-1_x.:' }; }));
  });

  it('refuses a group of one director, saying a group is two or more', () => {
    const p = expectProblem(haPlan((plan) => { plan.directorGroups[0].directors = ['lvs1']; }), '/directorGroups/0/directors', /must have at least 2 entries, not 1/);
    assert.match(p.hint ?? '', /add the other director of the pair, or remove the group/);
  });

  it('refuses an unknown director, a realserver in a group and a director in two groups', () => {
    expectProblem(haPlan((p) => { p.directorGroups[0].directors = ['lvs1', 'lvs3']; }), '/directorGroups/0/directors/1', /no host "lvs3"/);
    expectProblem(haPlan((p) => { p.directorGroups[0].directors = ['lvs1', 'web1']; }), '/directorGroups/0/directors/1', /role "realserver", not "director"/);
    const plan = twoGroups();
    (plan.directorGroups[1] as JsonObject).directors = ['lvs3', 'lvs2'];
    expectProblem(plan, '/directorGroups/1/directors/1', /already in group "front"/);
  });

  it('refuses a virtualRouterId used twice on one interface, and two groups claiming one address', () => {
    const same = twoGroups();
    (same.directorGroups[1] as JsonObject).virtualRouterId = 51;
    expectProblem(same, '/directorGroups/1/virtualRouterId', /51 on eth0 is already group "front"/);
    const shared = twoGroups();
    (shared.directorGroups[1] as JsonObject).addresses = ['10.0.0.100'];
    expectProblem(shared, '/directorGroups/1/addresses', /10\.0\.0\.100 moves with group "front"/);
  });

  it('an address spelt two ways is one address: moved once by its group, and claimed by one group only', () => {
    const spelt = haPlan((p) => { p.directorGroups[0].addresses = ['2001:db8::100', '2001:DB8:0::100', '10.0.0.100']; });
    expectValid(spelt);
    const loaded = planSchema.parse(spelt);
    const addresses = new Map(Object.entries(loaded.hosts).map(([n, h]) => [n, h.address ?? '']));
    const lvs1 = compileHostPlans(loaded, addresses, 1).get('lvs1') as DirectorPlan;
    assert.deepEqual(lvs1.vrrp?.addresses, ['2001:db8::100', '10.0.0.100']);
    const shared = twoGroups();
    shared.directorGroups[0].addresses = ['2001:db8::100', '10.0.0.100'];
    (shared.directorGroups[1] as JsonObject).addresses = ['2001:DB8:0::100'];
    // named in the kernel's spelling, as the plan is read
    expectProblem(shared, '/directorGroups/1/addresses', /address 2001:db8::100 moves with group "front"/);
  });

  it('takes a group\'s VIP listed in "addresses" in another spelling as listed (no warning that it stays behind)', () => {
    const plan = haPlan((p) => {
      const q = p as unknown as { hosts: JsonObject; marks: Json[]; services: Json[] };
      q.hosts.web3 = { role: 'realserver', address: '2001:db8::13' };
      q.marks.push({ mark: 2, protocol: 'tcp', destination: '2001:db8::100', ports: ['80'] });
      q.services.push({ name: 'shop6', fwmark: 2, persistence: { timeout: 360 }, realservers: [{ host: 'web3' }] });
      p.directorGroups[0].addresses = ['10.0.0.100', '2001:DB8:0::100'];
    });
    const result = validatePlan(plan);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(result.warnings, []);
  });

  it('refuses a service in two groups, two groups that both take the rest, and unknown services', () => {
    const both = twoGroups();
    (both.directorGroups[1] as JsonObject).services = ['mail', 'shop'];
    expectProblem(both, '/directorGroups/1/services/1', /already served by group "front"/);
    const rest = twoGroups();
    delete (rest.directorGroups[0] as JsonObject).services;
    delete (rest.directorGroups[1] as JsonObject).services;
    expectProblem(rest, '/directorGroups/1', /neither does \/directorGroups\/0/);
    expectProblem(haPlan((p) => { p.directorGroups[0].services = ['shopp']; }), '/directorGroups/0/services/0', /no service "shopp"/);
  });

  it('refuses partial or tied priorities and a natGateway that is a director address', () => {
    expectProblem(haPlan((p) => { p.directorGroups[0].priorities = { lvs1: 150 }; }), '/directorGroups/0/priorities', /no priority for lvs2/);
    expectProblem(haPlan((p) => { p.directorGroups[0].priorities = { lvs1: 150, lvs2: 150 }; }), '/directorGroups/0/priorities/lvs2', /both have priority 150/);
    expectProblem(haPlan((p) => { p.directorGroups[0].natGateway = '10.0.0.2'; }), '/directorGroups/0/natGateway', /director's own address/);
  });

  it('puts natGateway on natGatewayInterface (a two-armed director), and refuses that interface without a gateway', () => {
    const plan = twoGroups();
    (plan.directorGroups[1] as JsonObject).natGatewayInterface = 'eth1';
    const parsed = planSchema.parse(plan);
    const plans = compileHostPlans(parsed, new Map(Object.entries(parsed.hosts).map(([n, h]) => [n, h.address as string])), 7);
    assert.deepEqual((plans.get('lvs3') as DirectorPlan).vrrp?.natGatewayOn, { address: '10.0.0.254', interface: 'eth1' });
    assert.equal((plans.get('lvs1') as DirectorPlan).vrrp?.natGatewayOn, undefined);
    const lonely = twoGroups();
    delete (lonely.directorGroups[1] as JsonObject).natGateway;
    (lonely.directorGroups[1] as JsonObject).natGatewayInterface = 'eth1';
    expectProblem(lonely, '/directorGroups/1/natGatewayInterface', /has a natGatewayInterface but no natGateway to put on it/);
  });

  it('warns when a NAT group has no natGateway', () => {
    const plan = twoGroups();
    delete (plan.directorGroups[1] as JsonObject).natGateway;
    const result = validatePlan(plan);
    assert.equal(result.ok, true);
    assert.deepEqual(result.warnings.map((w) => w.pointer), ['/directorGroups/1']);
  });

  it('compiles each group: its share of the table, its VRRP, and NAT realservers routed through natGateway', () => {
    const plan = planSchema.parse(twoGroups());
    const addresses = new Map(Object.entries(plan.hosts).map(([n, h]) => [n, h.address as string]));
    const plans = compileHostPlans(plan, addresses, 7);
    const lvs1 = plans.get('lvs1') as DirectorPlan;
    const lvs2 = plans.get('lvs2') as DirectorPlan;
    const lvs3 = plans.get('lvs3') as DirectorPlan;
    assert.deepEqual(lvs1.services.map((s) => s.name), ['shop']);
    assert.deepEqual(lvs1.marks.map((m) => m.mark), [1]);
    assert.deepEqual(lvs2.services, lvs1.services);
    assert.deepEqual(lvs3.services.map((s) => s.name), ['mail']);
    assert.deepEqual(lvs3.marks, []);
    assert.deepEqual(lvs1.vrrp, {
      group: 'front', interface: 'eth0', virtualRouterId: 51, priority: 110, advertIntervalSeconds: 1, authPassword: 'lvsha51',
      addresses: ['10.0.0.100'], preempt: true, syncInterface: 'eth0', syncId: 51, takeOverConfig: false,
    });
    assert.equal(lvs2.vrrp?.priority, 100);
    assert.deepEqual(lvs3.vrrp?.addresses, ['10.0.0.101', '10.0.0.254']);
    const web1 = plans.get('web1') as RealserverPlan;
    assert.deepEqual(web1.duties.find((d) => d.service === 'mail')?.directors, ['10.0.0.254']);
    // shop is DR: its realservers route through no director, and are told none
    assert.deepEqual(web1.duties.find((d) => d.service === 'shop')?.directors, []);
  });

  it('tells the NAT realservers of a group without natGateway every director\'s address', () => {
    const json = twoGroups();
    delete (json.directorGroups[1] as JsonObject).natGateway;
    const plan = planSchema.parse(json);
    const addresses = new Map(Object.entries(plan.hosts).map(([n, h]) => [n, h.address as string]));
    const web1 = compileHostPlans(plan, addresses, 7).get('web1') as RealserverPlan;
    assert.deepEqual(web1.duties.find((d) => d.service === 'mail')?.directors, ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4']);
  });
});
