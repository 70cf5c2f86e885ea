import assert from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import type { RealserverPlan } from '../../../lvs/host-plan';
import { hostPlanFromWire } from '../../../lvs/wire/host-plan-decode';
import { hostPlanToWire } from '../../../lvs/wire/host-plan-encode';
import { WireFieldError } from '../../../lvs/wire/checks';
import type { HostPlan__Output } from '../../../proto/generated/lvsctl/v1/HostPlan';
import { compileHostPlans } from '../../../controller/plan/compile';
import { loadPlanText } from '../../../controller/plan/load';

function realserverOf(fixture: string, host: string): RealserverPlan {
  const loaded = loadPlanText(readFileSync(join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'plans', fixture), 'utf8'));
  if (!loaded.ok) throw new Error(`fixture ${fixture} is invalid`);
  const addresses = new Map(Object.entries(loaded.plan.hosts).map(([n, h]) => [n, h.address ?? '']));
  return compileHostPlans(loaded.plan, addresses, 1).get(host) as RealserverPlan;
}

describe('the ports a realserver must listen on (RealserverDuty.ports)', () => {
  it('is the destination port of a port service', () => {
    assert.deepStrictEqual(realserverOf('ppc.json', 'rs2').duties.map((d) => d.ports), [[80]]);
  });

  it('is the FTP control port the directors check for a firewall-mark FTP service', () => {
    assert.deepStrictEqual(realserverOf('ftp.json', 'rs1').duties.map((d) => d.ports), [[21]]);
  });

  it('is each destination port of a host that is in a NAT service at several ports, once each', () => {
    const text = JSON.stringify({
      apiVersion: 'lvsctl/v1', cluster: 'c',
      hosts: { lvs: { role: 'director', address: '10.0.0.1' }, web1: { role: 'realserver', address: '10.0.0.11' }, web2: { role: 'realserver', address: '10.0.0.12' } },
      services: [{
        name: 'app', protocol: 'tcp', vip: '10.0.0.100', port: 80, scheduler: 'rr', forwarding: 'nat',
        realservers: [{ host: 'web1', port: 8001 }, { host: 'web2', port: 8001 }, { host: 'web1', port: 8002 }, { host: 'web1' }],
      }],
    });
    const loaded = loadPlanText(text);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const addresses = new Map(Object.entries(loaded.plan.hosts).map(([n, h]) => [n, h.address ?? '']));
    const plans = compileHostPlans(loaded.plan, addresses, 1);
    assert.deepStrictEqual((plans.get('web1') as RealserverPlan).duties.map((d) => d.ports), [[8001, 8002, 80]]);
    assert.deepStrictEqual((plans.get('web2') as RealserverPlan).duties.map((d) => d.ports), [[8001]]);
  });

  it('travels over the wire, and a port out of range is refused naming the field', () => {
    const plan = realserverOf('ppc.json', 'rs1');
    const wire = { ...hostPlanToWire(plan), role: 'realserver' } as unknown as HostPlan__Output;
    assert.deepStrictEqual(hostPlanFromWire(wire), plan);
    const bad = JSON.parse(JSON.stringify(wire)) as { realserver: { duties: { ports: number[] }[] } };
    bad.realserver.duties[0].ports = [70000];
    assert.throws(() => hostPlanFromWire(bad as unknown as HostPlan__Output), (e: unknown) => e instanceof WireFieldError && e.message === 'duties[0].ports[0]: must be 1..65535');
  });

  it('a duty may name as many ports as a service has realservers (1,000), not more', () => {
    const wire = { ...hostPlanToWire(realserverOf('ppc.json', 'rs1')), role: 'realserver' } as unknown as HostPlan__Output;
    const withPorts = (n: number): HostPlan__Output => {
      const copy = JSON.parse(JSON.stringify(wire)) as { realserver: { duties: { ports: number[] }[] } };
      copy.realserver.duties[0].ports = Array.from({ length: n }, (_, i) => 8001 + i);
      return copy as unknown as HostPlan__Output;
    };
    assert.equal((hostPlanFromWire(withPorts(1000)) as RealserverPlan).duties[0].ports?.length, 1000);
    assert.throws(() => hostPlanFromWire(withPorts(1001)), (e: unknown) => e instanceof WireFieldError && e.message === 'duties[0].ports: must have at most 1000 entries (has 1001)');
  });
});
