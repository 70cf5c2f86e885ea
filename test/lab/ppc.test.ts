// Scenario 1 of issue #5 on the real kernel, agent-driven: `lvsctl rollout` pushes a
// persistent port service (PPC) on port 80 to a real lvsctl-agent on the director, after
// the realserver agents prepared their VIP and ARP settings themselves (`prepare: true`);
// after a reboot, a realserver agent prepares them again as it starts.
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { LAB_CLUSTER_HOOK_TIMEOUT_MS, startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { countByServer, httpRequests } from './support/http';
import { ipvsConnections, isTemplate } from './support/ipvsadm';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { inNetns } from './support/netns';

const VIP = '10.0.0.100';
// The service without persistence has its own VIP: a template binds the client to one
// realserver for the whole VIP:port until it expires, whatever service replaced it.
const PLAIN_VIP = '10.0.0.101';
const realservers = [{ host: 'r1' }, { host: 'r2' }];
const plan: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'lab-ppc',
  hosts: {
    d: { role: 'director', address: '10.0.0.1' },
    r1: { role: 'realserver', address: '10.0.0.11', prepare: true },
    r2: { role: 'realserver', address: '10.0.0.12', prepare: true },
  },
  services: [
    { name: 'web', protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', persistence: { timeout: 360 }, realservers },
    { name: 'web-plain', protocol: 'tcp', vip: PLAIN_VIP, port: 80, scheduler: 'rr', realservers },
  ],
};

describe('PPC: a persistent port service on port 80, rolled out by lvsctl to real agents', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS);
  let cluster: LabCluster | undefined;
  let rollout: CommandResult | undefined;

  before(async function () {
    this.timeout(LAB_CLUSTER_HOOK_TIMEOUT_MS);
    requireLabGuest();
    // no prepareRealservers: the realserver agents put the VIPs on lo and set ARP themselves
    // spawnCli: this scenario runs the real lvsctl binary from the client namespace; the others run it in process
    cluster = await startLabCluster(plan, { httpPorts: [80], spawnCli: true });
    rollout = await cluster.rollout();
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    await cluster?.teardown();
  });

  it('rolls out with exit 0: the realservers prepared, the director changed', () => {
    assert.ok(rollout);
    assert.equal(rollout.code, 0, `lvsctl rollout exited ${rollout.code}\n${rollout.stdout}\n${rollout.stderr}`);
    assert.match(rollout.stdout, /^d\s*:\s*ok=\d+ changed=[1-9]\d* failed=0 unreachable=0 skipped=0/m, rollout.stdout);
    for (const host of ['r1', 'r2']) {
      assert.match(rollout.stdout, new RegExp(`^${host}\\s*:\\s*ok=\\d+ changed=[1-9]\\d* failed=0`, 'm'), `${host} should have prepared itself:\n${rollout.stdout}`);
    }
  });

  it('the realserver agents put the VIPs on lo and set arp_ignore=1 (prepare: true)', async () => {
    const { stdout: addresses } = await inNetns('r1', 'ip', ['-o', 'addr', 'show', 'dev', 'lo']);
    assert.match(addresses, /inet 10\.0\.0\.100\/32/, addresses);
    assert.match(addresses, /inet 10\.0\.0\.101\/32/, addresses);
    const { stdout: arp } = await inNetns('r1', 'sysctl', ['-n', 'net.ipv4.conf.all.arp_ignore', 'net.ipv4.conf.all.arp_announce']);
    assert.deepEqual(arp.trim().split('\n'), ['1', '2']);
  });

  it('sends all 20 requests from one client to one realserver', async () => {
    const answers = await httpRequests('client', `http://${VIP}/`, 20);

    const counts = countByServer(answers);
    assert.equal(Object.keys(counts).length, 1, `expected one realserver, got ${JSON.stringify(counts)}`);
    const [server] = Object.keys(counts);
    assert.ok(server === 'r1' || server === 'r2', `answered by ${server}: ${JSON.stringify(answers.slice(0, 3))}`);
    assert.equal(counts[server as string], 20);
  });

  it('shows the persistence template (client port 0) in ipvsadm -Lcn on the director', async () => {
    const [first] = await httpRequests('client', `http://${VIP}/`, 1);
    assert.ok(first?.server === 'r1' || first?.server === 'r2', `request failed: ${JSON.stringify(first)}`);

    const { text, connections } = await ipvsConnections('d');

    const template = connections.find((c) => isTemplate(c) && c.virtual.address === VIP && c.virtual.port === 80);
    assert.ok(template, `no template for ${VIP}:80 in\n${text}`);
    assert.equal(template.source.address, '10.0.0.200');
    assert.equal(template.destination.address, first.server === 'r1' ? '10.0.0.11' : '10.0.0.12', 'the template points at the realserver that answered');
  });

  it('spreads 20 requests over both realservers on the service without persistence', async () => {
    const answers = await httpRequests('client', `http://${PLAIN_VIP}/`, 20);

    assert.deepEqual(countByServer(answers), { r1: 10, r2: 10 });
    const { text, connections } = await ipvsConnections('d');
    assert.ok(!connections.some((c) => isTemplate(c) && c.virtual.address === PLAIN_VIP), `no template expected without persistence:\n${text}`);
  });

  it('a realserver that rebooted (its VIPs and ARP settings gone) prepares itself again as its agent starts, with no rollout', async () => {
    assert.ok(cluster);
    // the same plan again first: its file keeps the older generation, the ownership record takes the newer one
    const again = await cluster.rollout();
    assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
    // what a reboot does to it: the agent gone, the kernel's addresses and sysctls back to the defaults, its state dir kept
    await cluster.stopAgent('r1');
    for (const vip of [VIP, PLAIN_VIP]) await inNetns('r1', 'ip', ['addr', 'del', `${vip}/32`, 'dev', 'lo']);
    // every device's own value too: the kernel takes the larger of all and the device's
    const resets = ['all', 'eth0', 'lo'].flatMap((dev) => [`net.ipv4.conf.${dev}.arp_ignore=0`, `net.ipv4.conf.${dev}.arp_announce=0`]);
    await inNetns('r1', 'sysctl', ['-q', '-w', ...resets]);
    await cluster.restartAgent('r1');

    const { stdout: addresses } = await inNetns('r1', 'ip', ['-o', 'addr', 'show', 'dev', 'lo']);
    assert.match(addresses, /inet 10\.0\.0\.100\/32/, addresses);
    assert.match(addresses, /inet 10\.0\.0\.101\/32/, addresses);
    const { stdout: arp } = await inNetns('r1', 'sysctl', ['-n', 'net.ipv4.conf.all.arp_ignore', 'net.ipv4.conf.all.arp_announce']);
    assert.deepEqual(arp.trim().split('\n'), ['1', '2']);
    const log = await cluster.agentLog('r1');
    assert.match(log, /prepared again at start from the last applied plan/, log.slice(-3000));
    // the director never stopped sending r1 its share: r1 serves it again
    const answers = await httpRequests('client', `http://${PLAIN_VIP}/`, 20);
    assert.deepEqual(countByServer(answers), { r1: 10, r2: 10 });
  });
});
