// A plan validate accepts is one every agent takes: a director's share of realservers, and the
// addresses a fwmark service's realservers answer for, within what the agents decode.
import { strict as assert } from 'node:assert';
import { expectProblem, expectValid, planWith, type Json, type JsonObject } from './helpers';
import { compileHostPlans } from '../../../controller/plan/compile';
import { planSchema } from '../../../controller/plan/schema';
import { hostPlanFromWire } from '../../../lvs/wire/host-plan-decode';
import { hostPlanToWire } from '../../../lvs/wire/host-plan-encode';
import { wireMessage } from '../wire/wire-messages';

/** `count` NAT services on distinct VIPs, each with `per` realservers: web1 at ports 1.. */
function services(count: number, per: number): Json[] {
  return Array.from({ length: count }, (_, i): Json => ({
    name: `s${i}`, vip: `10.1.${i >> 8}.${i & 255}`, port: 80, forwarding: 'nat',
    realservers: Array.from({ length: per }, (_, k): Json => ({ host: 'web1', port: k + 1 })),
  }));
}

/** A plan of `serviceList` served by `n` directors: lvs1 and lvs2..lvsN at 10.3.x.y. */
function withDirectors(n: number, serviceList: Json[] = services(1, 1)): JsonObject & { hosts: Record<string, { role: string; address: string }> } {
  const plan = planWith(serviceList) as JsonObject & { hosts: Record<string, { role: string; address: string }> };
  for (let i = 2; i <= n; i += 1) plan.hosts[`lvs${i}`] = { role: 'director', address: `10.3.${i >> 8}.${i & 255}` };
  return plan;
}

describe('what each agent is sent fits what it takes', () => {
  it('refuses a director share of more than 200,000 realservers, and takes 200,000', function () {
    this.timeout(60_000);
    const p = expectProblem(planWith(services(201, 1000)), '/services', /^director "lvs1" \(in no group: it is sent every service\) would hold 201000 realservers in all; a director agent takes at most 200000$/);
    assert.match(p.hint ?? '', /split the services over director groups/);
    expectValid(planWith(services(200, 1000)));
  });

  it('refuses a fwmark service whose mark has more than 1,000 destinations for its realservers to answer for', () => {
    const marks = (n: number): Json[] => Array.from({ length: n }, (_, i): Json => ({ mark: 1, protocol: 'tcp', destination: `10.2.${i >> 8}.${i & 255}`, ports: ['80'] }));
    const service = { name: 'm', fwmark: 1, persistence: { timeout: 60 }, realservers: [{ host: 'web1' }] };
    expectProblem(planWith([service], marks(1001)), '/services/0/fwmark', /^mark 1 has 1001 destinations, .*a realserver agent takes at most 1000$/);
    expectValid(planWith([service], marks(1000)));
  });

  it('refuses a NAT service whose realservers would be told more than 1,000 directors\' addresses, unless a group gives it a natGateway', function () {
    this.timeout(30_000);
    const p = expectProblem(withDirectors(1001), '/services/0/forwarding', /^the realservers of this NAT service would be told the address of each of the plan's 1001 directors, .*a realserver agent takes at most 1000$/);
    assert.match(p.hint ?? '', /director group with a natGateway/);
    expectValid(withDirectors(1000));
    const grouped = withDirectors(1001);
    grouped.directorGroups = [{ name: 'g', directors: ['lvs1', 'lvs2'], virtualRouterId: 51, interface: 'eth0', natGateway: '10.0.0.254' }];
    expectValid(grouped);
  });

  it('takes a DR service with 1,001 directors: its realserver is told none of them, and its agent decodes the plan', function () {
    this.timeout(30_000);
    const plan = withDirectors(1001, [{ name: 'dr', vip: '10.1.0.1', port: 80, forwarding: 'dr', realservers: [{ host: 'web1' }] }]);
    expectValid(plan);
    const addresses = new Map(Object.entries(plan.hosts).map(([name, h]) => [name, h.address]));
    const web1 = compileHostPlans(planSchema.parse(plan), addresses, 7).get('web1');
    assert.equal(web1?.role, 'realserver');
    // through protobuf bytes into the agent's decoder, which refuses a duty of more than 1,000 directors
    const HostPlan = wireMessage('HostPlan');
    const decoded = hostPlanFromWire(HostPlan.deserialize(HostPlan.serialize(hostPlanToWire(web1))));
    assert.deepEqual(decoded.role === 'realserver' ? decoded.duties.map((d) => [d.service, d.directors]) : [], [['dr', []]]);
  });
});
