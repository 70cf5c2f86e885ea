// IPv6 LVS-NAT on the real kernel: a director whose agent listens on 10.0.0.1, with an IPv6 VIP
// on the client's network (fd00::/64) and its IPv6 realservers on another (fd00:10::/64) behind
// its inside address fd00:10::1, the plan's natGateway, all on one link (a one-armed director).
// The realserver agents check their IPv6 default route against that gateway and name
// `ip -6 route replace default via fd00:10::1`, and check that eth0 follows no ICMPv6 redirect
// (the director sends one for every answer it forwards out the link it came in by, and a
// realserver that follows it answers the client un-NATed: without the check this scenario
// failed every request); the director notes IPv6 forwarding off, with its fix; with all of it
// right, a client's requests over IPv6 come back through the director from both realservers.
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { LAB_CLUSTER_HOOK_TIMEOUT_MS, startLabCluster, type LabCluster } from './support/cluster';
import { httpRequests } from './support/http';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { inNetns, setSysctls } from './support/netns';
import { natPathState } from './support/nat-path-state';

const VIP = 'fd00::60';
const GATEWAY = 'fd00:10::1';
const plan: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'lab-ipv6-nat',
  hosts: {
    d: { role: 'director', address: '10.0.0.1', natGateway: GATEWAY },
    r1: { role: 'realserver', address: 'fd00:10::11' },
    // prepare sets what a realserver check can fix (accept_redirects), never a route
    r2: { role: 'realserver', address: 'fd00:10::12', prepare: true },
  },
  services: [{ name: 'web6', protocol: 'tcp', vip: VIP, port: 80, forwarding: 'nat', scheduler: 'rr', realservers: [{ host: 'r1' }, { host: 'r2' }] }],
};

const setDefaultRoute = (host: string, via: string) => inNetns(host, 'ip', ['-6', 'route', 'replace', 'default', 'via', via]);

describe('IPv6 LVS-NAT through the director\'s inside address (an IPv6 natGateway)', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS);
  let cluster: LabCluster | undefined;

  before(async function () {
    this.timeout(LAB_CLUSTER_HOOK_TIMEOUT_MS);
    requireLabGuest();
    cluster = await startLabCluster(plan, { httpPorts: [80] });
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    await cluster?.teardown();
  });

  it('fails a realserver whose IPv6 default route is not the gateway, naming ip -6 route replace, before the director', async () => {
    assert.ok(cluster);
    await setDefaultRoute('r1', GATEWAY);
    await setDefaultRoute('r2', 'fd00:10::fe');
    const rollout = await cluster.rollout();
    assert.equal(rollout.code, 2, `${rollout.stdout}\n${rollout.stderr}`);
    assert.match(rollout.stdout, /^r1\s+ok\s+check-default-route default/m, rollout.stdout);
    assert.match(rollout.stdout, /^r2\s+failed\s+check-default-route default.*needs it via a director \(its NAT gateway fd00:10::1\)/m, rollout.stdout);
    assert.match(rollout.stdout, /fix: ip -6 route replace default via fd00:10::1$/m, rollout.stdout);
    assert.match(rollout.stdout, /^r1\s+failed\s+check-accept_redirects net\.ipv6\.conf\.eth0\.accept_redirects: .* is 1: IPv6 LVS-NAT \(service web6\) needs 0.*\n\s+fix: sysctl -w net\.ipv6\.conf\.eth0\.accept_redirects=0$/m, rollout.stdout);
    const { stdout: table } = await inNetns('d', 'ipvsadm', ['-S', '-n']);
    assert.equal(table.trim(), '', 'the director was not applied');
  });

  it('with both routes via the gateway and redirects off (r1 by hand, r2 by prepare), rolls out and notes IPv6 forwarding off with its fix; with it on, the VIP answers from both realservers over IPv6', async () => {
    assert.ok(cluster);
    await setDefaultRoute('r2', GATEWAY);
    await setSysctls('r1', { 'net.ipv6.conf.eth0.accept_redirects': 0 });
    await setSysctls('d', { 'net.ipv6.conf.all.forwarding': 0 });
    const rollout = await cluster.rollout();
    assert.equal(rollout.code, 0, `${rollout.stdout}\n${rollout.stderr}`);
    assert.match(rollout.stdout, /^d\s+notice\s+net\.ipv6\.conf\.all\.forwarding is 0: .*fix: sysctl -w net\.ipv6\.conf\.all\.forwarding=1$/m, rollout.stdout);
    const { stdout: table } = await inNetns('d', 'ipvsadm', ['-L', '-n']);
    assert.match(table, /TCP\s+\[fd00::60\]:80 rr/, table);
    assert.match(table, /-> \[fd00:10::11\]:80\s+Masq/, table);
    assert.match(rollout.stdout, /^r1\s+ok\s+check-accept_redirects net\.ipv6\.conf\.eth0\.accept_redirects/m, rollout.stdout);
    const { stdout: accepted } = await inNetns('r2', 'cat', ['/proc/sys/net/ipv6/conf/eth0/accept_redirects']);
    assert.equal(accepted.trim(), '0', 'prepare set r2\'s accept_redirects');
    await setSysctls('d', { 'net.ipv6.conf.all.forwarding': 1 });
    const answers = (await httpRequests('client', [`http://[${VIP}]/`], 6)).map((a) => a.server ?? `failed (${a.error ?? 'no answer'})`);
    const state = answers.some((a) => a.startsWith('failed')) ? await natPathState(6, 'd', ['r1', 'r2'], 'client') : '';
    assert.deepEqual([...new Set(answers)].sort(), ['r1', 'r2'], `${answers.join(' ')}${state}`);
  });
});
