// Rules 5, 6, 7 and 8 of docs/plan-reference.md, port specs, and address families.
import { strict as assert } from 'node:assert';
import { validatePlan } from '../../../controller/plan/validate';
import { basePlan, expectProblem, expectValid, planWith, type Json, type JsonObject } from './helpers';

const mark = (n: number, ports: string[], extra: Record<string, Json> = {}): Record<string, Json> => ({
  mark: n, protocol: 'tcp', destination: '10.0.0.100', ports, ...extra,
});
const fwService = (name: string, n: number, extra: Record<string, Json> = {}): Record<string, Json> => ({
  name, fwmark: n, persistence: { timeout: 360 }, realservers: [{ host: 'web1' }], ...extra,
});
const ftp = { controlPort: 21, passivePorts: '10000:12000' };

describe('marks and their services (rule 5)', () => {
  it('refuses a fwmark service with no mark rule', () => {
    expectProblem(planWith([fwService('shop', 1)]), '/services/0/fwmark', /fwmark 1 has no rule in "marks"/);
  });
  it('refuses a mark that no service uses', () => {
    const p = expectProblem(planWith([fwService('shop', 1)], [mark(1, ['80']), mark(2, ['443'])]), '/marks/1/mark', /mark 2 is used by no service/);
    assert.match(p.hint ?? '', /"fwmark": 2/);
  });
  it('refuses one mark with IPv4 and IPv6 rules', () => {
    const plan = planWith([fwService('shop', 1, { realservers: [] })], [mark(1, ['80']), mark(1, ['80'], { destination: '2001:db8::100' })]);
    expectProblem(plan, '/marks/1/destination', /mark 1 mixes IPv6 \(2001:db8::100\) with IPv4/);
  });
  it('accepts a mark with several rules, all used', () => {
    expectValid(planWith([fwService('shop', 1)], [mark(1, ['80']), mark(1, ['443'], { inInterface: 'eth0' })]));
  });
});

describe('overlapping marks (rule 6)', () => {
  it('refuses two marks on the same port of the same destination', () => {
    const plan = planWith([fwService('a', 1), fwService('b', 2)], [mark(1, ['80', '443']), mark(2, ['440:450'])]);
    expectProblem(plan, '/marks/0/ports/1', /port 443 is marked 1 here and 2 by \/marks\/1/);
  });
  it('finds an overlap hidden behind a long range of the same mark', () => {
    const plan = planWith([fwService('a', 1), fwService('b', 2)], [mark(2, ['100:200']), mark(1, ['1:1000']), mark(2, ['150'])]);
    expectProblem(plan, '/marks/0/ports/0', /marked 2 here and 1/);
    expectProblem(plan, '/marks/2/ports/0', /port 150 is marked 2 here and 1/);
  });
  it('accepts the same port on another destination or protocol, and the same mark twice', () => {
    const plan = planWith([fwService('a', 1), fwService('b', 2), fwService('c', 3)], [
      mark(1, ['80']), mark(2, ['80'], { destination: '10.0.0.101' }), mark(3, ['80'], { protocol: 'udp' }), mark(1, ['80:81']),
    ]);
    expectValid(plan);
  });
});

describe('FTP services (rule 7)', () => {
  it('refuses an FTP service without persistence', () => {
    const plan = planWith([fwService('ftp', 1, { persistence: null, ftp })], [mark(1, ['21', '10000:12000'])]);
    delete ((plan.services as Json[])[0] as JsonObject).persistence;
    expectProblem(plan, '/services/0/persistence', /FTP service "ftp" needs persistence/);
  });
  it('refuses mark rules that leave out part of the passive range', () => {
    const plan = planWith([fwService('ftp', 1, { ftp })], [mark(1, ['21', '10000:11000'])]);
    expectProblem(plan, '/services/0/ftp', /leave out ports 11001:12000/);
  });
  it('refuses mark rules that leave out the control port', () => {
    const plan = planWith([fwService('ftp', 1, { ftp })], [mark(1, ['10000:12000'])]);
    expectProblem(plan, '/services/0/ftp', /leave out port 21:/);
  });
  it('accepts the control port and the range spread over several rules', () => {
    expectValid(planWith([fwService('ftp', 1, { ftp })], [mark(1, ['21']), mark(1, ['10000:10999']), mark(1, ['11000:12000'])]));
  });
  it('refuses an FTP port service that balances only its control port', () => {
    const plan = planWith([{ name: 'ftp', vip: '10.0.0.100', port: 21, persistence: { timeout: 360 }, ftp, realservers: [] }]);
    expectProblem(plan, '/services/0/ftp', /balances only port 21/);
  });
  it('accepts NAT on port 21 with a warning about ip_vs_ftp', () => {
    const result = validatePlan(planWith([{ name: 'ftp', vip: '10.0.0.100', port: 21, forwarding: 'nat', persistence: { timeout: 360 }, ftp, realservers: [{ host: 'web1' }] }]));
    assert.ok(result.ok);
    assert.equal(result.warnings.length, 1);
    assert.equal(result.warnings[0].severity, 'warning');
    assert.match(result.warnings[0].message, /ip_vs_ftp/);
  });
  it('accepts FTP on a persistent port-0 service', () => {
    expectValid(planWith([{ name: 'ftp', vip: '10.0.0.100', port: 0, persistence: { timeout: 360 }, ftp, realservers: [] }]));
  });
});

describe('hosts (rule 8)', () => {
  it('refuses a realserver that is not in hosts, suggesting a close name', () => {
    const p = expectProblem(planWith([{ name: 'web', vip: '10.0.0.100', port: 80, realservers: [{ host: 'web3' }] }]), '/services/0/realservers/0/host', /no host "web3"/);
    assert.equal(p.hint, 'did you mean "web1"?');
  });
  it('refuses a director listed as a realserver', () => {
    expectProblem(planWith([{ name: 'web', vip: '10.0.0.100', port: 80, realservers: [{ host: 'lvs1' }] }]), '/services/0/realservers/0/host', /has role "director", not "realserver"/);
  });
  it('refuses the same realserver twice in one service', () => {
    expectProblem(planWith([{ name: 'web', vip: '10.0.0.100', port: 80, realservers: [{ host: 'web1' }, { host: 'web1' }] }]), '/services/0/realservers/1/host', /already listed/);
  });
  it('refuses a realserver listed again at the port it had already (the service\'s, given or not)', () => {
    const p = expectProblem(planWith([{ name: 'web', vip: '10.0.0.100', port: 80, forwarding: 'nat', realservers: [{ host: 'web1' }, { host: 'web1', port: 80 }] }]), '/services/0/realservers/1/host', /"web1" is already listed at \/services\/0\/realservers\/0 \(port 80\)/);
    assert.match(p.hint ?? '', /one destination per address and port/);
  });
  it('accepts one realserver at two ports of a NAT service (two destinations)', () => {
    expectValid(planWith([{ name: 'web', vip: '10.0.0.100', port: 80, forwarding: 'nat', realservers: [{ host: 'web1', port: 8080 }, { host: 'web1', port: 8081 }] }]));
  });
  it('refuses two realserver hosts of one address in one service, however the address is written', () => {
    const plan = planWith([{ name: 'web', vip: '2001:db8::100', port: 80, realservers: [{ host: 'web1' }, { host: 'web2' }] }]);
    (plan.hosts as JsonObject).web1 = { role: 'realserver', address: '2001:db8::11' };
    (plan.hosts as JsonObject).web2 = { role: 'realserver', address: '2001:DB8:0::11' };
    const p = expectProblem(plan, '/services/0/realservers/1/host', /"web2" is the destination \[2001:db8::11\]:80 that "web1" at \/services\/0\/realservers\/0 is already/);
    assert.match(p.hint ?? '', /give "web2" its own address at \/hosts\/web2/);
  });
  it('accepts two hosts of one address in different services', () => {
    const plan = planWith([
      { name: 'a', vip: '10.0.0.100', port: 80, realservers: [{ host: 'web1' }] },
      { name: 'b', vip: '10.0.0.101', port: 80, realservers: [{ host: 'web2' }] },
    ]);
    (plan.hosts as JsonObject).web2 = { role: 'realserver', address: '10.0.0.11' };
    expectValid(plan);
  });
  it('refuses a realserver host in more services than its agent verifies (10,000), and takes 10,000', () => {
    // web1 twice in each (NAT, two ports): one duty a service all the same
    const services = (n: number): Json[] => Array.from({ length: n }, (_, i): Json => ({
      name: `s${i}`, vip: `10.1.${i >> 8}.${i & 255}`, port: 80, forwarding: 'nat', realservers: [{ host: 'web1' }, { host: 'web1', port: 81 }],
    }));
    const p = expectProblem(planWith(services(10_001)), '/hosts/web1', /^realserver "web1" is in 10001 services; its agent verifies at most 10000$/);
    assert.match(p.hint ?? '', /spread those services over more realserver hosts/);
    expectValid(planWith(services(10_000)));
  });
  it('refuses an FTP server config that is not an absolute path, as the realserver agent would', () => {
    const plan = basePlan();
    (plan.hosts as JsonObject).web1 = { role: 'realserver', address: '10.0.0.11', ftp: { server: 'vsftpd', config: 'etc/vsftpd.conf' } };
    expectProblem(plan, '/hosts/web1/ftp/config', /^must be an absolute path, e\.g\. "\/etc\/vsftpd\.conf"/);
  });
  it('refuses an FTP server config path with a newline, which would end lvsctl render\'s comment line and make the rest a command', () => {
    const plan = basePlan();
    (plan.hosts as JsonObject).web1 = { role: 'realserver', address: '10.0.0.11', ftp: { server: 'vsftpd', config: '/etc/vsftpd.conf\ntouch /tmp/x #' } };
    expectProblem(plan, '/hosts/web1/ftp/config', /^must be a path without control characters \(a newline, a tab\), e\.g\. "\/etc\/vsftpd\.conf"/);
  });
  it('refuses a realserver\'s fields (ftp, prepare) on a director, which would be dropped without a word', () => {
    const plan = basePlan();
    (plan.hosts as JsonObject).lvs1 = { role: 'director', address: '10.0.0.1', prepare: true, ftp: { server: 'vsftpd', config: '/etc/vsftpd.conf' } };
    expectProblem(plan, '/hosts/lvs1/prepare', /^"prepare" is a realserver's field, and "lvs1" is a director$/);
    expectProblem(plan, '/hosts/lvs1/ftp', /^"ftp" is a realserver's field, and "lvs1" is a director$/);
  });
  it('refuses a plan without a director', () => {
    const plan = basePlan();
    (plan.hosts as JsonObject).lvs1 = { role: 'realserver', address: '10.0.0.1' };
    expectProblem(plan, '/hosts', /no host has role "director"/);
  });
  it('accepts hosts without address (resolved later)', () => {
    const plan = basePlan();
    (plan.hosts as JsonObject).web1 = { role: 'realserver' };
    expectValid(plan);
  });
});

describe('port specs of mark rules', () => {
  it('refuses a range that runs backwards and a port outside 1..65535', () => {
    const plan = planWith([fwService('a', 1)], [mark(1, ['12000:10000', '70000'])]);
    expectProblem(plan, '/marks/0/ports/0', /runs backwards/);
    expectProblem(plan, '/marks/0/ports/1', /port 70000 in "70000" is outside 1\.\.65535/);
  });
  it('refuses more than 15 multiport slots, counting a range as two', () => {
    const ports = ['1:2', '3:4', '5:6', '7:8', '9:10', '11:12', '13:14', '15:16'];
    expectProblem(planWith([fwService('a', 1)], [mark(1, ports)]), '/marks/0/ports', /takes 16 multiport slots/);
  });
  it('accepts exactly 15 slots', () => {
    expectValid(planWith([fwService('a', 1)], [mark(1, ['1:2', '3:4', '5:6', '7:8', '9:10', '11:12', '13:14', '15'])]));
  });
  it('refuses a passive range outside 1..65535', () => {
    expectProblem(planWith([{ name: 'ftp', vip: '10.0.0.100', port: 0, persistence: { timeout: 1 }, ftp: { passivePorts: '60000:70000' }, realservers: [] }]), '/services/0/ftp/passivePorts', /outside 1\.\.65535/);
  });
});

describe('address families', () => {
  it('refuses an IPv4 service with an IPv6 realserver address', () => {
    const plan = basePlan();
    (plan.hosts as JsonObject).web1 = { role: 'realserver', address: '2001:db8::11' };
    expectProblem(plan, '/services/0/realservers/0/host', /IPv4 service "web" cannot forward to IPv6 realserver "web1"/);
  });
  it('judges a fwmark service by its mark rules', () => {
    const plan = planWith([fwService('a', 1)], [mark(1, ['80'], { destination: '2001:db8::100' })]);
    expectProblem(plan, '/services/0/realservers/0/host', /IPv6 service "a" cannot forward to IPv4 realserver/);
  });
});
