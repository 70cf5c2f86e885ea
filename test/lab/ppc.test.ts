// Scenario 1 of issue #5 on the real kernel: a persistent port service (PPC) on port 80.
// Driven by hand with ipvsadm until the agents exist; then the rollout replaces ipvsadmRestore.
import { strict as assert } from 'node:assert';
import { countByServer, httpRequests, startHttpServer, type RunningServer } from './support/http';
import { ipvsadmClear, ipvsadmRestore, ipvsConnections, isTemplate } from './support/ipvsadm';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { buildTopology, type Topology, type TopologyPlan } from './support/topology';

const VIP = '10.0.0.100';
// The test without persistence uses its own VIP: templates from the persistent tests stay in
// the connection table until they expire, even after `ipvsadm -C`.
const PLAIN_VIP = '10.0.0.101';
const plan: TopologyPlan = {
  hosts: {
    d: { role: 'director', address: '10.0.0.1' },
    r1: { role: 'realserver', address: '10.0.0.11' },
    r2: { role: 'realserver', address: '10.0.0.12' },
  },
  services: [
    { vip: VIP, forwarding: 'dr', realservers: [{ host: 'r1' }, { host: 'r2' }] },
    { vip: PLAIN_VIP, forwarding: 'dr', realservers: [{ host: 'r1' }, { host: 'r2' }] },
  ],
};

function portService(vip: string, persistence: string[]): string[] {
  return [
    `-A -t ${vip}:80 -s rr ${persistence.join(' ')}`.trim(),
    `-a -t ${vip}:80 -r 10.0.0.11:80 -g -w 1`,
    `-a -t ${vip}:80 -r 10.0.0.12:80 -g -w 1`,
  ];
}

describe('PPC: a persistent port service on port 80 (LVS-DR, hand-made with ipvsadm)', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS);
  let topology: Topology | undefined;
  const servers: RunningServer[] = [];

  before(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    requireLabGuest();
    topology = await buildTopology(plan, { prepareRealservers: true });
    servers.push(await startHttpServer('r1', 80, 'r1'), await startHttpServer('r2', 80, 'r2'));
  });

  afterEach(async () => {
    await ipvsadmClear('d');
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    for (const server of servers) await server.stop();
    await topology?.teardown();
  });

  it('sends all 20 requests from one client to one realserver with -p 360', async () => {
    await ipvsadmRestore('d', portService(VIP, ['-p', '360']));

    const answers = await httpRequests('client', `http://${VIP}/`, 20);

    const counts = countByServer(answers);
    assert.equal(Object.keys(counts).length, 1, `expected one realserver, got ${JSON.stringify(counts)}`);
    const [server] = Object.keys(counts);
    assert.ok(server === 'r1' || server === 'r2', `answered by ${server}: ${JSON.stringify(answers.slice(0, 3))}`);
    assert.equal(counts[server as string], 20);
  });

  it('shows the persistence template (client port 0) in ipvsadm -Lcn', async () => {
    await ipvsadmRestore('d', portService(VIP, ['-p', '360']));
    const [first] = await httpRequests('client', `http://${VIP}/`, 1);
    assert.ok(first?.server === 'r1' || first?.server === 'r2', `request failed: ${JSON.stringify(first)}`);

    const { text, connections } = await ipvsConnections('d');

    const template = connections.find((c) => isTemplate(c) && c.virtual.address === VIP && c.virtual.port === 80);
    assert.ok(template, `no template for ${VIP}:80 in\n${text}`);
    assert.equal(template.source.address, '10.0.0.200');
    assert.equal(template.destination.address, first.server === 'r1' ? '10.0.0.11' : '10.0.0.12', 'the template points at the realserver that answered');
  });

  it('spreads 20 requests evenly over both realservers without -p (rr)', async () => {
    await ipvsadmRestore('d', portService(PLAIN_VIP, []));

    const answers = await httpRequests('client', `http://${PLAIN_VIP}/`, 20);

    assert.deepEqual(countByServer(answers), { r1: 10, r2: 10 });
    const { text, connections } = await ipvsConnections('d');
    assert.ok(!connections.some((c) => isTemplate(c) && c.virtual.address === PLAIN_VIP), `no template expected without persistence:\n${text}`);
  });
});
