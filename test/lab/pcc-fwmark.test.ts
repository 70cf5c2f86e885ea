// Issue #5 scenarios 2 and 3 on the real kernel, agent-driven: `lvsctl rollout` pushes a
// port-0 (PCC) service and two firewall-mark services to a real director agent, which
// writes the IPVS table and its own mangle chain; a client's requests to different ports
// stick to one realserver through the persistent ones.
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { LAB_CLUSTER_HOOK_TIMEOUT_MS, startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { httpRequests } from './support/http';
import { ipvsConnections, isTemplate } from './support/ipvsadm';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { inNetns } from './support/netns';

const PCC_VIP = '10.0.0.100';
const MARK_VIP = '10.0.0.110';
const PLAIN_MARK_VIP = '10.0.0.111';
const realservers = [{ host: 'r1' }, { host: 'r2' }];
const webMark = (mark: number, destination: string) => ({ mark, protocol: 'tcp' as const, destination, ports: ['80', '443'], inInterface: 'eth0' });
const plan: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'lab-pcc-fwmark',
  hosts: {
    d: { role: 'director', address: '10.0.0.1' },
    r1: { role: 'realserver', address: '10.0.0.11' },
    r2: { role: 'realserver', address: '10.0.0.12' },
  },
  marks: [webMark(1, MARK_VIP), webMark(2, PLAIN_MARK_VIP)],
  services: [
    { name: 'all-ports', protocol: 'tcp', vip: PCC_VIP, port: 0, scheduler: 'rr', persistence: { timeout: 360 }, realservers },
    { name: 'shop', fwmark: 1, scheduler: 'rr', persistence: { timeout: 360 }, realservers },
    { name: 'shop-plain', fwmark: 2, scheduler: 'rr', realservers },
  ],
};

/** One request per port in turn, `rounds` times: 80, 443, 80, 443, ... */
async function alternate(vip: string, ports: readonly number[], rounds: number): Promise<string[]> {
  const answers = await httpRequests('client', ports.map((port) => `http://${vip}:${port}/`), ports.length * rounds);
  return answers.map((answer) => answer.server ?? `failed (${answer.error ?? 'no answer'})`);
}

describe('a client sticks to one realserver across ports (PCC and fwmark, rolled out by lvsctl)', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS);
  let cluster: LabCluster | undefined;
  let rollout: CommandResult | undefined;

  before(async function () {
    this.timeout(LAB_CLUSTER_HOOK_TIMEOUT_MS);
    requireLabGuest();
    // The realservers are prepared by the lab here; ppc.test.ts proves the agents' prepare path.
    cluster = await startLabCluster(plan, { prepareRealservers: true, httpPorts: [80, 443] });
    rollout = await cluster.rollout();
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    await cluster?.teardown();
  });

  it('rolls out with exit 0, the director changed and the realservers already fine', () => {
    assert.ok(rollout);
    assert.equal(rollout.code, 0, `lvsctl rollout exited ${rollout.code}\n${rollout.stdout}\n${rollout.stderr}`);
    assert.match(rollout.stdout, /^d\s*:\s*ok=\d+ changed=[1-9]\d* failed=0 unreachable=0 skipped=0/m, rollout.stdout);
    assert.match(rollout.stdout, /^r1\s*:\s*ok=\d+ changed=0 failed=0/m, rollout.stdout);
  });

  it('PCC (port 0 with persistence): requests to :80 and :443 all land on one realserver', async () => {
    const answered = await alternate(PCC_VIP, [80, 443], 3);

    assert.equal(new Set(answered).size, 1, `expected one realserver, got ${answered.join(' ')}`);
    assert.match(answered[0] ?? '', /^r[12]$/);
    const { text, connections } = await ipvsConnections('d');
    assert.ok(connections.some((c) => isTemplate(c) && c.virtual.address === PCC_VIP && c.virtual.port === 0), `no port-0 template in\n${text}`);
  });

  it('fwmark 1 on 80+443 with persistence: requests alternating 80 and 443 all land on one realserver', async () => {
    const answered = await alternate(MARK_VIP, [80, 443], 3);

    assert.equal(new Set(answered).size, 1, `expected one realserver, got ${answered.join(' ')}`);
    assert.match(answered[0] ?? '', /^r[12]$/);
    const { text, connections } = await ipvsConnections('d');
    // A fwmark template shows protocol IP and the mark as its virtual address: 0.0.0.1:0.
    assert.ok(connections.some((c) => c.protocol === 'IP' && isTemplate(c) && c.virtual.address === '0.0.0.1'), `no fwmark template in\n${text}`);
  });

  it('fwmark 2 on 80+443 without persistence: requests alternate between the realservers', async () => {
    const answered = await alternate(PLAIN_MARK_VIP, [80, 443], 2);

    assert.equal(answered.length, 4);
    assert.ok(answered.every((who, i) => i === 0 || who !== answered[i - 1]), `expected r1/r2 alternating, got ${answered.join(' ')}`);
    assert.deepEqual([...new Set(answered)].sort(), ['r1', 'r2']);
  });

  it('keeps the mark rules in the agent\'s own chain LVSCTL-MARK, reached from PREROUTING by one jump', async () => {
    const { stdout: mangle } = await inNetns('d', 'iptables-legacy-save', ['-t', 'mangle']);
    const rules = mangle.split('\n').filter((line) => line.startsWith('-A '));

    assert.match(mangle, /^:LVSCTL-MARK /m, mangle);
    const jumps = rules.filter((rule) => /^-A PREROUTING .*-j LVSCTL-MARK\b/.test(rule));
    assert.equal(jumps.length, 1, `expected one jump to LVSCTL-MARK:\n${mangle}`);
    const marking = rules.filter((rule) => /-j MARK\b/.test(rule));
    assert.ok(marking.length >= 2 && marking.every((rule) => rule.startsWith('-A LVSCTL-MARK ')), `every MARK rule must be in LVSCTL-MARK:\n${mangle}`);
    for (const [vip, mark] of [[MARK_VIP, '0x1'], [PLAIN_MARK_VIP, '0x2']] as const) {
      const rule = marking.find((line) => line.includes(`-d ${vip}/32`));
      assert.ok(rule, `no mark rule for ${vip}:\n${mangle}`);
      assert.match(rule, /-i eth0\b/);
      assert.match(rule, /--dports 80,443\b/);
      assert.match(rule, new RegExp(`--set-xmark ${mark}/0xffffffff`));
    }
  });
});
