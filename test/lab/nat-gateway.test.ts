// A two-armed LVS-NAT director on the real kernel: its agent on 10.0.0.1, its realservers on
// 192.168.10.0/24 behind its inside address 192.168.10.1 (the plan's natGateway). The
// realserver agents check their default route against that gateway, not the agent address
// (which they could not even route through), and name it in the fix; with the routes right,
// a client's requests to the VIP come back through the director from both realservers.
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { LAB_CLUSTER_HOOK_TIMEOUT_MS, startLabCluster, type LabCluster } from './support/cluster';
import { httpRequests } from './support/http';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { inNetns, setSysctls } from './support/netns';
import { natPathState } from './support/nat-path-state';

const VIP = '10.0.0.100';
const GATEWAY = '192.168.10.1';
const plan: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'lab-nat-gateway',
  hosts: {
    d: { role: 'director', address: '10.0.0.1', natGateway: GATEWAY },
    r1: { role: 'realserver', address: '192.168.10.11' },
    r2: { role: 'realserver', address: '192.168.10.12' },
  },
  services: [{ name: 'web', protocol: 'tcp', vip: VIP, port: 80, forwarding: 'nat', scheduler: 'rr', realservers: [{ host: 'r1' }, { host: 'r2' }] }],
};

const setDefaultRoute = (host: string, via: string) => inNetns(host, 'ip', ['route', 'replace', 'default', 'via', via]);

describe('LVS-NAT through the director\'s inside address (natGateway)', function () {
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

  it('fails a realserver whose default route is not the gateway, naming the route to set, before the director', async () => {
    assert.ok(cluster);
    await setDefaultRoute('r1', GATEWAY);
    await setDefaultRoute('r2', '192.168.10.254');
    const rollout = await cluster.rollout();
    assert.equal(rollout.code, 2, `${rollout.stdout}\n${rollout.stderr}`);
    assert.match(rollout.stdout, /^r1\s+ok\s+check-default-route default/m, rollout.stdout);
    assert.match(rollout.stdout, /^r2\s+failed\s+check-default-route default.*needs it via a director \(its NAT gateway 192\.168\.10\.1\)/m, rollout.stdout);
    assert.match(rollout.stdout, /fix: ip route replace default via 192\.168\.10\.1$/m, rollout.stdout);
    const { stdout: table } = await inNetns('d', 'ipvsadm', ['-S', '-n']);
    assert.equal(table.trim(), '', 'the director was not applied');
  });

  it('with both routes via the gateway, rolls out, names the ICMP redirects its eth0 would send, and with them off the VIP answers from both realservers', async () => {
    assert.ok(cluster);
    await setDefaultRoute('r2', GATEWAY);
    // the topology turned redirects off; eth0's own switch on sends them again (the kernel's default)
    await setSysctls('d', { 'net.ipv4.conf.eth0.send_redirects': 1 });
    const rollout = await cluster.rollout();
    assert.equal(rollout.code, 0, `${rollout.stdout}\n${rollout.stderr}`);
    assert.match(rollout.stdout, /^d\s+notice\s+eth0 holds VIP 10\.0\.0\.100 and reaches LVS-NAT realserver 192\.168\.10\.11 on its own network, and sends ICMP redirects .*fix: sysctl -w net\.ipv4\.conf\.eth0\.send_redirects=0$/m, rollout.stdout);
    await setSysctls('d', { 'net.ipv4.conf.eth0.send_redirects': 0 });
    const answers = (await httpRequests('client', [`http://${VIP}/`], 6)).map((a) => a.server ?? `failed (${a.error ?? 'no answer'})`);
    // a request with no answer: the director's connection table and each host's routes, neighbours
    // and route exceptions right after (an ICMP redirect from the director once sent r2's answers
    // straight to the client, un-NATed; the topology turns redirects off on directors)
    const state = answers.some((a) => a.startsWith('failed')) ? await natPathState(4, 'd', ['r1', 'r2'], 'client') : '';
    assert.deepEqual([...new Set(answers)].sort(), ['r1', 'r2'], `${answers.join(' ')}${state}`);
  });
});
