// Rules 2, 3, 4, 9 and 10 of docs/plan-reference.md, plus persistence and health-check sanity.
import { strict as assert } from 'node:assert';
import { expectProblem, expectValid, planWith, type Json } from './helpers';

const web = (extra: Record<string, Json> = {}): Record<string, Json> => ({
  name: 'web', vip: '10.0.0.100', port: 80, realservers: [{ host: 'web1' }], ...extra,
});
const mark1 = { mark: 1, protocol: 'tcp', destination: '10.0.0.100', ports: ['80', '443'] };

describe('port 0 (rule 2)', () => {
  it('refuses port 0 without persistence', () => {
    const p = expectProblem(planWith([web({ port: 0 })]), '/services/0/port', /port 0 \(all ports\) needs persistence/);
    assert.match(p.hint ?? '', /"persistence": \{ "timeout": 360 \}/);
  });
  it('accepts port 0 with persistence', () => {
    expectValid(planWith([web({ port: 0, persistence: { timeout: 360 } })]));
  });
});

describe('service kind (rule 3)', () => {
  it('refuses a service that is both a port and a fwmark service', () => {
    expectProblem(planWith([web({ fwmark: 1 })], [mark1]), '/services/0/vip', /takes no "vip"/);
  });
  it('refuses a "protocol" on a fwmark service, saying the mark rules choose the packets (not that it is a port service too)', () => {
    const p = expectProblem(planWith([{ name: 'web', fwmark: 1, protocol: 'tcp', realservers: [] }], [mark1]), '/services/0/protocol', /takes no "protocol": fwmark 1 takes the packets its mark rules mark/);
    assert.doesNotMatch(p.message, /port service/);
  });
  it('refuses a service that is neither', () => {
    expectProblem(planWith([{ name: 'web', realservers: [] }]), '/services/0', /neither a port service nor a firewall-mark service/);
  });
  it('refuses a port service without a port', () => {
    expectProblem(planWith([{ name: 'web', vip: '10.0.0.100', realservers: [] }]), '/services/0/port', /needs "port"/);
  });
  it('accepts a fwmark service alone', () => {
    expectValid(planWith([{ name: 'web', fwmark: 1, realservers: [{ host: 'web1' }] }], [mark1]));
  });
});

describe('uniqueness (rule 4)', () => {
  it('refuses two services on the same protocol, vip and port', () => {
    expectProblem(planWith([web(), web({ name: 'web-b' })]), '/services/1/port', /tcp 10\.0\.0\.100:80 is already the service \/services\/0/);
  });
  it('treats two spellings of one IPv6 address as the same vip', () => {
    const plan = planWith([
      web({ vip: '2001:db8::100', realservers: [] }),
      web({ name: 'web-b', vip: '2001:DB8:0::100', realservers: [] }),
    ]);
    expectProblem(plan, '/services/1/port', /is already the service/);
  });
  it('accepts the same vip and port over tcp and udp', () => {
    expectValid(planWith([web(), web({ name: 'dns', protocol: 'udp' })]));
  });
  it('refuses two services on the same fwmark', () => {
    const fw = { fwmark: 1, realservers: [] };
    expectProblem(planWith([{ name: 'a', ...fw }, { name: 'b', ...fw }], [mark1]), '/services/1/fwmark', /fwmark 1 is already the service/);
  });
  it('refuses a name used twice', () => {
    expectProblem(planWith([web(), web({ port: 443 })]), '/services/1/name', /service name "web" is already used/);
  });
});

describe('forwarding and realserver ports (rule 9)', () => {
  it('refuses DR remapping a port', () => {
    const p = expectProblem(planWith([web({ realservers: [{ host: 'web1', port: 8080 }] })]), '/services/0/realservers/0/port', /DR \(gatewaying\) cannot remap port 80 to 8080/);
    assert.match(p.hint ?? '', /"forwarding": "nat"/);
  });
  it('refuses TUN remapping a port', () => {
    expectProblem(planWith([web({ forwarding: 'tun', realservers: [{ host: 'web1', port: 8080 }] })]), '/services/0/realservers/0/port', /TUN \(ipip\) cannot remap/);
  });
  it('accepts NAT remapping a port, and DR naming the same port', () => {
    expectValid(planWith([web({ forwarding: 'nat', realservers: [{ host: 'web1', port: 8080 }] }), web({ name: 'b', port: 81, realservers: [{ host: 'web1', port: 81 }] })]));
  });
  it('refuses a realserver port on a port-0 service', () => {
    expectProblem(planWith([web({ port: 0, persistence: { timeout: 60 }, realservers: [{ host: 'web1', port: 80 }] })]), '/services/0/realservers/0/port', /port-0 service/);
  });
  it('refuses a realserver port on a fwmark service, and accepts 0', () => {
    const plan = planWith([{ name: 'm', fwmark: 1, realservers: [{ host: 'web1', port: 80 }, { host: 'web2', port: 0 }] }], [mark1]);
    expectProblem(plan, '/services/0/realservers/0/port', /firewall-mark service/);
    expectValid(planWith([{ name: 'm', fwmark: 1, realservers: [{ host: 'web2', port: 0 }] }], [mark1]));
  });
});

describe('scheduler flags (rule 10)', () => {
  it('refuses a flag the scheduler does not take, naming the one that does', () => {
    const p = expectProblem(planWith([web({ scheduler: 'rr', schedulerFlags: ['sh-port'] })]), '/services/0/schedulerFlags/0', /scheduler "rr" takes no flag "sh-port"/);
    assert.match(p.hint ?? '', /"scheduler": "sh"/);
  });
  it('accepts sh and mh flags on their schedulers', () => {
    expectValid(planWith([web({ scheduler: 'sh', schedulerFlags: ['sh-fallback', 'sh-port'] }), web({ name: 'b', port: 81, scheduler: 'mh', schedulerFlags: ['mh-port'] })]));
  });
});

describe('persistence netmask', () => {
  it('refuses a non-contiguous IPv4 netmask', () => {
    expectProblem(planWith([web({ persistence: { timeout: 60, netmask: '255.0.255.0' } })]), '/services/0/persistence/netmask', /not an IPv4 netmask/);
  });
  it('refuses a prefix length on an IPv4 service and a netmask on an IPv6 one', () => {
    expectProblem(planWith([web({ persistence: { timeout: 60, netmask: '24' } })]), '/services/0/persistence/netmask', /not an IPv4 netmask/);
    expectProblem(planWith([web({ vip: '2001:db8::100', realservers: [], persistence: { timeout: 60, netmask: '255.255.255.0' } })]), '/services/0/persistence/netmask', /not an IPv6 prefix length/);
  });
  it('accepts 255.255.255.0 for IPv4 and 64 for IPv6', () => {
    expectValid(planWith([web({ persistence: { timeout: 60, netmask: '255.255.255.0' } }), web({ name: 'b', vip: '2001:db8::100', realservers: [], persistence: { timeout: 60, netmask: '64' } })]));
  });
});

describe('health checks', () => {
  it('refuses a path on a tcp check', () => {
    expectProblem(planWith([web({ healthCheck: { type: 'tcp', path: '/health' } })]), '/services/0/healthCheck/path', /"path" does not apply/);
  });
  it('refuses a timeout longer than the interval', () => {
    expectProblem(planWith([web({ healthCheck: { type: 'tcp', interval: '1s', timeout: '2s' } })]), '/services/0/healthCheck/timeout', /longer than the interval/);
  });
  it('refuses text the agent would refuse or receive changed: a NUL, half a surrogate pair, a UDP payload over 1400 bytes', () => {
    expectProblem(planWith([web({ healthCheck: { type: 'exec', exec: { command: '/bin/true', args: ['a\u0000b'] } } })]), '/services/0/healthCheck/exec/args/0', /^must not contain a NUL character/);
    expectProblem(planWith([web({ healthCheck: { type: 'http', bodyRegex: 'ok\udfff' } })]), '/services/0/healthCheck/bodyRegex', /^must be well-formed text/);
    const udp = { name: 'dns', protocol: 'udp', vip: '10.0.0.100', port: 53, realservers: [{ host: 'web1' }] };
    expectProblem(planWith([{ ...udp, healthCheck: { type: 'udp', udp: { send: 'é'.repeat(701) } } }]), '/services/0/healthCheck/udp/send', /^must be at most 1400 bytes as UTF-8/);
    expectValid(planWith([{ ...udp, healthCheck: { type: 'udp', udp: { send: 'é'.repeat(700), expect: '\ud83d\ude00 ok' } } }]));
  });
  it('reads a duration given as a bare number as most likely seconds, and says how to write it', () => {
    const p = expectProblem(planWith([web({ healthCheck: { type: 'tcp', interval: 5 } })]), '/services/0/healthCheck/interval', /^must be a string, not the number 5$/);
    assert.match(p.hint ?? '', /^a duration is text with its unit: write "5s" for 5 seconds/);
  });
  it('names what is wrong in an expectStatus of the wrong form, at its own place', () => {
    expectProblem(planWith([web({ healthCheck: { type: 'http', expectStatus: [200, 'x'] } })]), '/services/0/healthCheck/expectStatus/1', /^must be a number, not the string "x"$/);
    const quoted = expectProblem(planWith([web({ healthCheck: { type: 'http', expectStatus: '200' } })]), '/services/0/healthCheck/expectStatus', /^must be a number or an array, not the string "200"$/);
    assert.strictEqual(quoted.hint, 'write 200 without quotes');
    expectProblem(planWith([web({ healthCheck: { type: 'http', expectStatus: [99] } })]), '/services/0/healthCheck/expectStatus/0', /must be at least 100/);
  });
  it('refuses a check duration the director agent would refuse: zero, or past 60 minutes', () => {
    expectProblem(planWith([web({ healthCheck: { type: 'tcp', interval: '0ms', timeout: '0ms' } })]), '/services/0/healthCheck/interval', /must be a duration from 1ms to 60m/);
    expectProblem(planWith([web({ healthCheck: { type: 'tcp', timeout: '0s' } })]), '/services/0/healthCheck/timeout', /must be a duration from 1ms to 60m/);
    expectProblem(planWith([web({ healthCheck: { type: 'tcp', interval: '100000m', timeout: '99999m' } })]), '/services/0/healthCheck/interval', /must be a duration from 1ms to 60m/);
    expectProblem(planWith([web({ healthCheck: { type: 'http', connectTimeout: '0ms' } })]), '/services/0/healthCheck/connectTimeout', /must be a duration from 1ms to 60m/);
    expectProblem(planWith([web({ healthCheck: { type: 'http', readTimeout: '61m', interval: '60m', timeout: '60m' } })]), '/services/0/healthCheck/readTimeout', /must be a duration from 1ms to 60m/);
  });
  it('accepts check durations at the bounds, 1ms and 60m', () => {
    expectValid(planWith([web({ healthCheck: { type: 'http', interval: '60m', timeout: '60m', connectTimeout: '1ms', readTimeout: '1ms' } })]));
  });
  it('refuses a fwmark service check without a port', () => {
    expectProblem(planWith([{ name: 'm', fwmark: 1, healthCheck: { type: 'tcp' }, realservers: [] }], [mark1]), '/services/0/healthCheck', /no single port to check/);
  });
  it('accepts an http check with a path, and a fwmark check with a port', () => {
    expectValid(planWith([web({ healthCheck: { type: 'http', path: '/health', expectStatus: 200 } }), { name: 'm', fwmark: 1, healthCheck: { type: 'tcp', port: 443 }, realservers: [] }], [mark1]));
  });
});
