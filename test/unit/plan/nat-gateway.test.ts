// natGateway: the address a director's LVS-NAT realservers must route through.
import { strict as assert } from 'node:assert';
import { compileHostPlans } from '../../../controller/plan/compile';
import { planSchema, type PlanInput } from '../../../controller/plan/schema';
import { renderHandCommands } from '../../../controller/render/render-plan';
import type { RealserverPlan } from '../../../lvs/host-plan';
import { expectProblem, expectValid, type Json } from './helpers';

const twoArmed = (natGateway: Json | undefined, extra: Record<string, Json> = {}): Record<string, Json> => ({
  apiVersion: 'lvsctl/v1',
  cluster: 'shop',
  hosts: {
    lvs1: { role: 'director', address: '10.0.0.1', ...(natGateway !== undefined ? { natGateway } : {}) },
    web1: { role: 'realserver', address: '192.168.10.11' },
  },
  services: [{ name: 'web', protocol: 'tcp', vip: '10.0.0.100', port: 80, forwarding: 'nat', realservers: [{ host: 'web1' }] }],
  ...extra,
});

function realserver(input: Record<string, Json>): RealserverPlan {
  const plan = planSchema.parse(input as unknown as PlanInput);
  const hosts = compileHostPlans(plan, new Map(Object.entries(plan.hosts).map(([n, h]) => [n, h.address ?? '10.0.0.1'])), 1);
  const web1 = hosts.get('web1');
  assert.ok(web1 && web1.role === 'realserver');
  return web1;
}

describe('natGateway: where LVS-NAT realservers route through', () => {
  it('is the gateway NAT realservers are checked against, and the route render prints for them', () => {
    const input = twoArmed('192.168.10.1');
    expectValid(input);
    assert.deepEqual(realserver(input).duties[0].directors, ['192.168.10.1']);
    const plan = planSchema.parse(input as unknown as PlanInput);
    const rendered = renderHandCommands(plan, new Map([['lvs1', '10.0.0.1'], ['web1', '192.168.10.11']]), { host: 'web1' });
    assert.deepEqual(rendered[0].commands, ['ip route replace default via 192.168.10.1']);
  });

  it('without it, the director\'s agent address is the gateway, as before', () => {
    assert.deepEqual(realserver(twoArmed(undefined)).duties[0].directors, ['10.0.0.1']);
  });

  it('refuses it on a realserver, naming where it belongs', () => {
    const input = twoArmed('192.168.10.1');
    (input.hosts as Record<string, Record<string, Json>>).web1.natGateway = '192.168.10.1';
    expectProblem(input, '/hosts/web1/natGateway', /"natGateway" is a director's field, and "web1" is a realserver/);
  });

  it('refuses a gateway of the other family than a NAT service', () => {
    expectProblem(twoArmed('fd00:10::1'), '/hosts/lvs1/natGateway', /IPv6 natGateway fd00:10::1 cannot be the default route of the IPv4 LVS-NAT service "web" \(\/services\/0\)/);
  });

  it('refuses an IPv6 NAT service when no director has an IPv6 address to route through (its agent address IPv4, no natGateway): its realservers would check their IPv4 route', () => {
    const v6 = (natGateway: Json | undefined): Record<string, Json> => ({
      ...twoArmed(natGateway),
      hosts: {
        lvs1: { role: 'director', address: '10.0.0.1', ...(natGateway !== undefined ? { natGateway } : {}) },
        web1: { role: 'realserver', address: 'fd00:10::11' },
      },
      services: [{ name: 'web6', protocol: 'tcp', vip: 'fd00::60', port: 80, forwarding: 'nat', realservers: [{ host: 'web1' }] }],
    });
    expectProblem(v6(undefined), '/services/0/forwarding', /this IPv6 LVS-NAT service must route their replies through a director, and no director has an IPv6 address to route through \(10\.0\.0\.1\)/);
    // with an IPv6 natGateway the realserver is checked against it, and render prints the IPv6 route
    const fixed = v6('fd00:10::1');
    expectValid(fixed);
    assert.deepEqual(realserver(fixed).duties[0].directors, ['fd00:10::1']);
    const plan = planSchema.parse(fixed as unknown as PlanInput);
    const rendered = renderHandCommands(plan, new Map([['lvs1', '10.0.0.1'], ['web1', 'fd00:10::11']]), { host: 'web1' });
    assert.deepEqual(rendered[0].commands, [
      'ip -6 route replace default via fd00:10::1',
      '# and on the interface toward the director (eth0 here): sysctl -w net.ipv6.conf.eth0.accept_redirects=0',
    ]);
  });

  it('refuses what is not an address', () => {
    expectProblem(twoArmed('gateway'), '/hosts/lvs1/natGateway', /must be an IPv4 or IPv6 address/);
  });
});
