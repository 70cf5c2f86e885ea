// Issue #5 scenarios 2 and 3 on the real kernel, by hand until the agents exist: a client's
// requests to different ports stick to one realserver through a port-0 (PCC) service, and
// through a firewall-mark service on 80+443.
import { strict as assert } from 'node:assert';
import { httpRequests, startHttpServer, type RunningServer } from './support/http';
import { ipvsadmClear, ipvsadmRestore, ipvsConnections, isTemplate } from './support/ipvsadm';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { inNetns } from './support/netns';
import { buildTopology, type Topology, type TopologyPlan } from './support/topology';

const PCC_VIP = '10.0.0.100';
const MARK_VIP = '10.0.0.110';
const PLAIN_MARK_VIP = '10.0.0.111';
const plan: TopologyPlan = {
  hosts: {
    d: { role: 'director', address: '10.0.0.1' },
    r1: { role: 'realserver', address: '10.0.0.11' },
    r2: { role: 'realserver', address: '10.0.0.12' },
  },
  services: [{ vip: PCC_VIP, forwarding: 'dr' }],
  marks: [{ destination: MARK_VIP }, { destination: PLAIN_MARK_VIP }],
};

/** One request per port in turn, `rounds` times: 80, 443, 80, 443, ... */
async function alternate(vip: string, ports: readonly number[], rounds: number): Promise<string[]> {
  const answers = await httpRequests('client', ports.map((port) => `http://${vip}:${port}/`), ports.length * rounds);
  return answers.map((answer) => answer.server ?? `failed (${answer.error ?? 'no answer'})`);
}

describe('a client sticks to one realserver across ports (hand-made with ipvsadm)', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS);
  let topology: Topology | undefined;
  const servers: RunningServer[] = [];

  before(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    requireLabGuest();
    topology = await buildTopology(plan, { prepareRealservers: true });
    for (const host of ['r1', 'r2']) {
      for (const port of [80, 443, 8080]) servers.push(await startHttpServer(host, port, host));
    }
    await inNetns('d', 'iptables-legacy-restore', ['--noflush'], {
      input: ['*mangle', ':LVSCTL-MARK - [0:0]', '-A PREROUTING -j LVSCTL-MARK',
        `-A LVSCTL-MARK -d ${MARK_VIP}/32 -p tcp -m multiport --dports 80,443 -j MARK --set-mark 1`,
        `-A LVSCTL-MARK -d ${PLAIN_MARK_VIP}/32 -p tcp -m multiport --dports 80,443 -j MARK --set-mark 2`, 'COMMIT', ''].join('\n'),
    });
  });

  afterEach(async () => {
    await ipvsadmClear('d');
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    for (const server of servers) await server.stop();
    await topology?.teardown();
  });

  it('PCC (port 0, -p 360): requests to :80 and :8080 all land on one realserver', async () => {
    await ipvsadmRestore('d', [`-A -t ${PCC_VIP}:0 -s rr -p 360`, `-a -t ${PCC_VIP}:0 -r 10.0.0.11:0 -g -w 1`, `-a -t ${PCC_VIP}:0 -r 10.0.0.12:0 -g -w 1`]);

    const answered = await alternate(PCC_VIP, [80, 8080], 3);

    assert.equal(new Set(answered).size, 1, `expected one realserver, got ${answered.join(' ')}`);
    assert.match(answered[0] ?? '', /^r[12]$/);
    const { text, connections } = await ipvsConnections('d');
    assert.ok(connections.some((c) => isTemplate(c) && c.virtual.address === PCC_VIP && c.virtual.port === 0), `no port-0 template in\n${text}`);
  });

  it('fwmark 1 on 80+443 with -p 360: requests alternating 80 and 443 all land on one realserver', async () => {
    await ipvsadmRestore('d', ['-A -f 1 -s rr -p 360', '-a -f 1 -r 10.0.0.11:0 -g -w 1', '-a -f 1 -r 10.0.0.12:0 -g -w 1']);

    const answered = await alternate(MARK_VIP, [80, 443], 3);

    assert.equal(new Set(answered).size, 1, `expected one realserver, got ${answered.join(' ')}`);
    assert.match(answered[0] ?? '', /^r[12]$/);
    const { text, connections } = await ipvsConnections('d');
    // A fwmark template shows protocol IP and the mark as its virtual address: 0.0.0.1:0.
    assert.ok(connections.some((c) => c.protocol === 'IP' && isTemplate(c) && c.virtual.address === '0.0.0.1'), `no fwmark template in\n${text}`);
  });

  it('fwmark 2 on 80+443 without persistence: requests alternate between the realservers', async () => {
    await ipvsadmRestore('d', ['-A -f 2 -s rr', '-a -f 2 -r 10.0.0.11:0 -g -w 1', '-a -f 2 -r 10.0.0.12:0 -g -w 1']);

    const answered = await alternate(PLAIN_MARK_VIP, [80, 443], 2);

    assert.equal(answered.length, 4);
    assert.ok(answered.every((who, i) => i === 0 || who !== answered[i - 1]), `expected r1/r2 alternating, got ${answered.join(' ')}`);
    assert.deepEqual([...new Set(answered)].sort(), ['r1', 'r2']);
  });
});
