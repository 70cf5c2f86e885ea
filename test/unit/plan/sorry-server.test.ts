// services[].sorryServer and services[].healthCheck.allDown: the rules, the JSON schema, and
// what compile makes of them for the director.
import { strict as assert } from 'node:assert';
import type { DirectorPlan } from '../../../lvs/host-plan';
import { compileHostPlans } from '../../../controller/plan/compile';
import { sorryServerAddressProblems } from '../../../controller/plan/rules/sorry-server';
import { viewOfPlan } from '../../../controller/plan/rules/view';
import { planJsonSchema, planSchema } from '../../../controller/plan/schema';
import { expectProblem, expectValid, planWith, type Json } from './helpers';

const check = { type: 'tcp' };
const web = (extra: Record<string, Json> = {}): Record<string, Json> => ({
  name: 'web', vip: '10.0.0.100', port: 80, healthCheck: check, realservers: [{ host: 'web1' }, { host: 'web2' }], ...extra,
});
const mark1 = { mark: 1, protocol: 'tcp', destination: '10.0.0.100', ports: ['80', '443'] };

describe('sorry server rules', () => {
  it('accepts a sorry server outside the plan\'s hosts on a checked service', () => {
    expectValid(planWith([web({ sorryServer: { address: '10.0.0.50' } })]));
  });

  it('refuses a sorry server on a service without a health check', () => {
    const p = expectProblem(planWith([web({ healthCheck: null as unknown as Json, sorryServer: { address: '10.0.0.50' } })].map(dropNull)),
      '/services/0/sorryServer', /has a sorry server but no health check: nothing would ever find its realservers down/);
    assert.match(p.hint ?? '', /add "healthCheck"/);
  });

  it('refuses "allDown" together with a sorry server, naming the allDown field', () => {
    const p = expectProblem(planWith([web({ healthCheck: { type: 'tcp', allDown: 'quiesce' }, sorryServer: { address: '10.0.0.50' } })]),
      '/services/0/healthCheck/allDown', /"allDown": "quiesce" does not apply with a sorry server/);
    assert.match(p.hint ?? '', /remove "allDown"/);
  });

  it('refuses a sorry server of the other address family', () => {
    expectProblem(planWith([web({ sorryServer: { address: '2001:db8::50' } })]),
      '/services/0/sorryServer/address', /IPv4 service "web" cannot forward to the IPv6 sorry server 2001:db8::50/);
  });

  it('refuses a fwmark service\'s sorry server of the other family than its mark rules', () => {
    expectProblem(planWith([{ name: 'shop', fwmark: 1, healthCheck: { type: 'tcp', port: 80 }, realservers: [{ host: 'web1' }], sorryServer: { address: '2001:db8::50' } }], [mark1]),
      '/services/0/sorryServer/address', /cannot forward to the IPv6 sorry server/);
  });

  it('refuses a sorry server that is one of the service\'s realservers', () => {
    const p = expectProblem(planWith([web({ sorryServer: { address: '10.0.0.12' } })]),
      '/services/0/sorryServer/address', /the sorry server 10\.0\.0\.12 is realserver "web2" of service "web": it would be down exactly when it is needed/);
    assert.match(p.hint ?? '', /outside the service's realservers/);
  });

  it('accepts a realserver of another service as this one\'s sorry server', () => {
    expectValid(planWith([web({ realservers: [{ host: 'web1' }], sorryServer: { address: '10.0.0.12' } }), web({ name: 'api', port: 8080, realservers: [{ host: 'web2' }] })]));
  });

  it('finds a resolved realserver address that the plan did not give', () => {
    const plan = planSchema.parse(planWith([web({ sorryServer: { address: '10.0.0.77' } })]));
    const found = sorryServerAddressProblems(viewOfPlan(plan), new Map([['web1', '10.0.0.77']]));
    assert.deepEqual(found.map((p) => `${p.pointer}: ${p.message}`), [
      '/services/0/sorryServer/address: the sorry server 10.0.0.77 is realserver "web1" of service "web": it would be down exactly when it is needed',
    ]);
  });

  it('refuses the VIP itself as the sorry server', () => {
    expectProblem(planWith([web({ sorryServer: { address: '10.0.0.100' } })]), '/services/0/sorryServer/address', /is the service's own VIP/);
  });

  it('refuses a DR sorry server on another port, and accepts it with NAT', () => {
    const p = expectProblem(planWith([web({ sorryServer: { address: '10.0.0.50', port: 8080 } })]),
      '/services/0/sorryServer/port', /DR \(gatewaying\) cannot remap port 80 to 8080 for the sorry server/);
    assert.match(p.hint ?? '', /"forwarding": "nat"/);
    expectValid(planWith([web({ forwarding: 'nat', sorryServer: { address: '10.0.0.50', port: 8080 } })]));
  });

  it('refuses a port on a fwmark or port-0 sorry server, and accepts 0', () => {
    const shop = { name: 'shop', fwmark: 1, healthCheck: { type: 'tcp', port: 80 }, realservers: [{ host: 'web1' }] };
    expectProblem(planWith([{ ...shop, sorryServer: { address: '10.0.0.50', port: 80 } }], [mark1]),
      '/services/0/sorryServer/port', /a firewall-mark service forwards each connection to the port it came to; sorry server port 80 cannot apply/);
    expectValid(planWith([{ ...shop, sorryServer: { address: '10.0.0.50', port: 0 } }], [mark1]));
  });

  it('refuses an unknown key in sorryServer and an allDown that is not a policy', () => {
    expectProblem(planWith([web({ sorryServer: { address: '10.0.0.50', weight: 1 } })]), '/services/0/sorryServer/weight', /unknown key "weight"/);
    expectProblem(planWith([web({ healthCheck: { type: 'tcp', allDown: 'keep' } })]), '/services/0/healthCheck/allDown', /must be one of "keep-last", "quiesce"/);
  });

  it('is described in the JSON Schema for editors', () => {
    const text = JSON.stringify(planJsonSchema());
    assert.match(text, /"sorryServer"/);
    assert.match(text, /"allDown":\{[^}]*"enum":\["keep-last","quiesce"\]/);
  });
});

describe('compiling the sorry server and allDown', () => {
  const addresses = new Map([['lvs1', '10.0.0.1'], ['web1', '10.0.0.11'], ['web2', '10.0.0.12']]);
  const director = (services: Json[]): DirectorPlan =>
    compileHostPlans(planSchema.parse(planWith(services)), addresses, 1).get('lvs1') as DirectorPlan;

  it('gives the director the sorry server at weight 0 with the service\'s forwarding and port', () => {
    const s = director([web({ forwarding: 'tun', sorryServer: { address: '10.0.0.50' } })]).services[0];
    assert.deepEqual(s.sorryServer, { address: '10.0.0.50', port: 80, weight: 0, forwarding: 'tun' });
    assert.deepEqual(s.realservers.map((r) => r.host), ['web1', 'web2'], 'not one of the checked realservers');
  });

  it('keeps a NAT sorry server\'s own port', () => {
    const s = director([web({ forwarding: 'nat', sorryServer: { address: '10.0.0.50', port: 8080 } })]).services[0];
    assert.equal(s.sorryServer?.port, 8080);
  });

  it('carries allDown into the health check, and leaves it out when the plan does', () => {
    assert.equal(director([web({ healthCheck: { type: 'tcp', allDown: 'quiesce' } })]).services[0].healthCheck?.allDown, 'quiesce');
    const plain = director([web()]).services[0];
    assert.equal(plain.healthCheck?.allDown, undefined);
    assert.equal('sorryServer' in plain, false);
  });
});

/** planWith keeps null; a service without a health check leaves the key out. */
function dropNull(s: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== null));
}
