// IPv6 end to end on the real kernel: an IPv6 fwmark service (its mark rule written by the
// director agent with ip6tables-legacy, in its own LVSCTL-MARK chain) and an IPv6 TCP VIP,
// LVS-DR to two IPv6 realservers whose agents put the VIPs on lo themselves (prepare) and
// check that nothing answers neighbour solicitation for them; a client's requests over IPv6
// reach both realservers, and its neighbour entries for the VIPs point at the director.
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { LAB_CLUSTER_HOOK_TIMEOUT_MS, startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { httpRequests } from './support/http';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { inNetns } from './support/netns';

const MARK_VIP = 'fd00::50';
const VIP = 'fd00::60';
const realservers = [{ host: 'r1' }, { host: 'r2' }];
const plan: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'lab-ipv6',
  hosts: {
    d: { role: 'director', address: '10.0.0.1' },
    r1: { role: 'realserver', address: 'fd00::11', prepare: true },
    r2: { role: 'realserver', address: 'fd00::12', prepare: true },
  },
  marks: [{ mark: 6, protocol: 'tcp', destination: MARK_VIP, ports: ['80', '443'], inInterface: 'eth0' }],
  services: [
    { name: 'shop6', fwmark: 6, scheduler: 'rr', realservers },
    { name: 'web6', protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', realservers },
  ],
};

async function who(urls: string[], count: number): Promise<string[]> {
  return (await httpRequests('client', urls, count)).map((a) => a.server ?? `failed (${a.error ?? 'no answer'})`);
}

async function macOf(ns: string): Promise<string> {
  const { stdout } = await inNetns(ns, 'ip', ['-j', 'link', 'show', 'eth0']);
  const [link] = JSON.parse(stdout) as Array<{ address: string }>;
  assert.ok(link, `no eth0 in ${ns}`);
  return link.address;
}

describe('IPv6 end to end: fwmark through ip6tables, a v6 VIP, DR realservers over IPv6', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS);
  let cluster: LabCluster | undefined;
  let rollout: CommandResult | undefined;

  before(async function () {
    this.timeout(LAB_CLUSTER_HOOK_TIMEOUT_MS);
    requireLabGuest();
    cluster = await startLabCluster(plan, { httpPorts: [80, 443] });
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
    assert.match(rollout.stdout, /^r1\s*:\s*ok=\d+ changed=[1-9]\d* failed=0/m, rollout.stdout);
  });

  it('the realserver agents hold the VIPs on lo as /128 and find no proxy neighbour entry for them', async () => {
    for (const host of ['r1', 'r2']) {
      const { stdout } = await inNetns(host, 'ip', ['-6', '-o', 'addr', 'show', 'dev', 'lo']);
      for (const vip of [MARK_VIP, VIP]) assert.match(stdout, new RegExp(` inet6 ${vip}/128 `), `${host} lo:\n${stdout}`);
    }
    assert.ok(rollout);
    for (const host of ['r1', 'r2']) {
      for (const vip of [MARK_VIP, VIP]) assert.match(rollout.stdout, new RegExp(`^${host}\\s+ok\\s+check-vip-not-proxied ${vip}`, 'm'), rollout.stdout);
    }
  });

  it('the realserver agents read their addresses, routes and proxy neighbours over route netlink, not with ip -j', async () => {
    assert.ok(cluster);
    for (const host of ['r1', 'r2']) {
      const log = await cluster.agentLog(host);
      assert.match(log, /"message":"realserver reads addresses, routes and neighbours over route netlink"/, log);
    }
  });

  it('the director writes the IPv6 mark rule with ip6tables in its own chain, one jump, and nothing in iptables', async () => {
    const { stdout: mangle6 } = await inNetns('d', 'ip6tables-legacy-save', ['-t', 'mangle']);
    const rules = mangle6.split('\n').filter((line) => line.startsWith('-A '));
    assert.deepEqual(rules.filter((r) => r.includes('LVSCTL-MARK')), [
      '-A PREROUTING -j LVSCTL-MARK',
      '-A LVSCTL-MARK -d fd00::50/128 -i eth0 -p tcp -m multiport --dports 80,443 -j MARK --set-xmark 0x6/0xffffffff',
    ], mangle6);
    const { stdout: mangle4 } = await inNetns('d', 'iptables-legacy-save', ['-t', 'mangle']);
    assert.doesNotMatch(mangle4, /LVSCTL-MARK/, mangle4);
    const { stdout: table } = await inNetns('d', 'ipvsadm', ['-S', '-n']);
    assert.match(table, /^-A -f 6 .*-6/m, table);
    assert.match(table, /^-a -t \[fd00::60\]:80 -r \[fd00::12\]:80 -g/m, table);
  });

  it('a client over IPv6 reaches both realservers through the fwmark service (80 and 443) and the v6 VIP', async () => {
    const marked = await who([`http://[${MARK_VIP}]:80/`, `http://[${MARK_VIP}]:443/`], 8);
    assert.deepEqual([...new Set(marked)].sort(), ['r1', 'r2'], `fwmark service answers: ${marked.join(' ')}`);
    const plain = await who([`http://[${VIP}]/`], 6);
    assert.deepEqual([...new Set(plain)].sort(), ['r1', 'r2'], `v6 VIP answers: ${plain.join(' ')}`);
    // The neighbour entries the client made for the VIPs point at the director, never a realserver.
    const director = await macOf('d');
    const { stdout: neighbours } = await inNetns('client', 'ip', ['-j', '-6', 'neigh', 'show']);
    const entries = JSON.parse(neighbours) as Array<{ dst: string; lladdr?: string }>;
    for (const vip of [MARK_VIP, VIP]) {
      const entry = entries.find((e) => e.dst === vip);
      assert.equal(entry?.lladdr, director, `the client's neighbour entry for ${vip}: ${JSON.stringify(entry)} (director ${director})`);
    }
  });

  it('a second rollout finds everything as planned: the ip6tables chain read back equals the plan', async () => {
    const again = await cluster?.rollout();
    assert.ok(again);
    assert.equal(again.code, 0, again.stdout);
    assert.match(again.stdout, /^d\s*:\s*ok=\d+ changed=0 failed=0/m, again.stdout);
  });
});
