// A two-armed LVS-NAT director pair on the real kernel with Debian's keepalived: the VIP on
// the directors' outside arm (eth0, the lab bridge br0, where the client is), the realservers
// alone on an inside network (br1, 192.168.10.0/24) behind the group's natGateway
// 192.168.10.1, which keepalived puts on the inside arm (natGatewayInterface eth1). Each
// director also has an inside address of its own. The master's keepalived is killed (a crash):
// the backup takes the VIP on eth0 and the gateway on eth1 and announces the gateway there
// (gratuitous ARP), so the realservers send their answers to it and the client's new
// requests are answered through the backup. With the gateway on eth0 instead (the
// one-armed default) that announcement would reach no realserver.
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { httpRequests } from './support/http';
import { hasAddress, labKeepalived, waitFor, type LabKeepalived } from './support/keepalived';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { ipBatch, run } from './support/netns';

const VIP = '10.0.0.100';
const GATEWAY = '192.168.10.1';
const INSIDE_BRIDGE = 'br1';
const INSIDE_ADDRESS: Record<string, string> = { lvs1: '192.168.10.2', lvs2: '192.168.10.3' };
const REALSERVERS = ['r1', 'r2'];
/** 3 x advert_int (1 s) + skew, as VRRP times a silent master out, with room for a loaded guest */
const MOVE_BOUND_MS = 8000;

const PLAN: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'ha-two-armed',
  hosts: {
    lvs1: { role: 'director', address: '10.0.0.1' },
    lvs2: { role: 'director', address: '10.0.0.2' },
    r1: { role: 'realserver', address: '192.168.10.11' },
    r2: { role: 'realserver', address: '192.168.10.12' },
  },
  services: [{ name: 'web', protocol: 'tcp', vip: VIP, port: 80, forwarding: 'nat', scheduler: 'rr', realservers: [{ host: 'r1' }, { host: 'r2' }] }],
  directorGroups: [{
    name: 'front', directors: ['lvs1', 'lvs2'], virtualRouterId: 61, interface: 'eth0', advertInterval: 1, failback: true,
    natGateway: GATEWAY, natGatewayInterface: 'eth1', sync: { interface: 'eth0', syncId: 61 },
  }],
};

function explain(result: CommandResult): string {
  return `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
}

/** Which realservers answered the client's requests to the VIP, and the failures by name. */
async function answers(count: number): Promise<string[]> {
  return (await httpRequests('client', [`http://${VIP}/`], count, { timeoutMs: 5000 })).map((a) => a.server ?? `failed (${a.error ?? 'no answer'})`);
}

/**
 * The inside network: br1 in the guest's root namespace, the realservers' eth0 moved onto it
 * from br0, each director a second arm (eth1) with its own inside address, and the root
 * namespace's address on 192.168.10.0/24 (where the test's lvsctl reaches the realserver
 * agents) moved to br1 with them. The topology built them all on br0.
 */
async function buildInsideNetwork(): Promise<void> {
  await ipBatch(null, [
    `link add ${INSIDE_BRIDGE} type bridge`,
    `link set ${INSIDE_BRIDGE} up`,
    ...REALSERVERS.map((host) => `link set v-${host} master ${INSIDE_BRIDGE}`),
    ...Object.keys(INSIDE_ADDRESS).flatMap((director) => [
      `link add vi-${director} type veth peer name eth1 netns ${director}`,
      `link set vi-${director} master ${INSIDE_BRIDGE} up`,
    ]),
    'addr del 192.168.10.254/24 dev br0',
    `addr add 192.168.10.254/24 dev ${INSIDE_BRIDGE}`,
  ]);
  for (const [director, address] of Object.entries(INSIDE_ADDRESS)) {
    await ipBatch(director, [`addr add ${address}/24 dev eth1`, 'link set eth1 up']);
  }
  // NAT answers go back through the gateway, wherever keepalived holds it
  for (const host of REALSERVERS) await run('ip', ['-n', host, 'route', 'replace', 'default', 'via', GATEWAY]);
}

describe('A two-armed LVS-NAT director pair: keepalived moves the VIP outside and the NAT gateway inside (natGatewayInterface)', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS * 2);
  let cluster: LabCluster | undefined;
  const keepalived: Record<string, LabKeepalived> = { lvs1: labKeepalived('lvs1'), lvs2: labKeepalived('lvs2') };

  before(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS * 2);
    requireLabGuest();
    cluster = await startLabCluster(PLAN, {
      httpPorts: [80],
      agentArgs: { lvs1: keepalived.lvs1.agentArgs, lvs2: keepalived.lvs2.agentArgs },
    });
    await buildInsideNetwork();
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    for (const k of Object.values(keepalived)) await k.kill();
    await run('ip', ['link', 'del', INSIDE_BRIDGE]).catch(() => undefined);
    await cluster?.teardown();
  });

  it('one rollout: the master holds the VIP on eth0 and the gateway on eth1, and the client is answered by both realservers through it', async () => {
    const lab = cluster as LabCluster;
    // keepalived starts from the file the agents write: the first rollout writes it and stops there
    const first = await lab.rollout();
    assert.equal(first.code, 2, explain(first));
    assert.match(first.stdout, /keepalived is not running \(its configuration for group "front" is written at/, explain(first));
    await keepalived.lvs1.start();
    await keepalived.lvs2.start();
    const result = await lab.rollout();
    assert.equal(result.code, 0, explain(result));
    const since = Date.now();
    const elected = await waitFor('lvs1 holds the VIP and the gateway', async () => (await hasAddress('lvs1', 'eth0', VIP)) && hasAddress('lvs1', 'eth1', GATEWAY), since, 20_000);
    console.log(`      lvs1 took the VIP (eth0) and the gateway (eth1) ${elected} ms after the rollout returned`);
    assert.equal(await hasAddress('lvs1', 'eth0', GATEWAY), false, 'the gateway goes on the inside arm, not beside the VIP');
    assert.equal(await hasAddress('lvs2', 'eth1', GATEWAY), false, 'the backup does not hold the gateway');
    const served = await answers(6);
    assert.deepEqual([...new Set(served)].sort(), ['r1', 'r2'], served.join(' '));
  });

  it("the master's keepalived killed: the backup takes both, announces the gateway inside, and the client's new requests are answered through it", async () => {
    const killedAt = Date.now();
    await keepalived.lvs1.kill();
    const moved = await waitFor('lvs2 takes the VIP and the gateway', async () => (await hasAddress('lvs2', 'eth0', VIP)) && hasAddress('lvs2', 'eth1', GATEWAY), killedAt, MOVE_BOUND_MS);
    console.log(`      keepalived SIGKILLed on lvs1: VIP and gateway on lvs2 after ${moved} ms (bound ${MOVE_BOUND_MS} ms)`);
    // the realservers now send to lvs2's inside arm: their neighbour entry for the gateway
    // names its MAC (lvs1, crashed, still holds the address and would answer un-NATed)
    const { stdout: mac } = await run('ip', ['-n', 'lvs2', '-o', 'link', 'show', 'eth1']);
    const lvs2Mac = /link\/ether ([0-9a-f:]{17})/.exec(mac)?.[1];
    assert.ok(lvs2Mac, mac);
    for (const host of REALSERVERS) {
      await waitFor(`${host} sends to lvs2 for the gateway`, async () => {
        const { stdout } = await run('ip', ['-n', host, 'neigh', 'show', GATEWAY]);
        return stdout.includes(lvs2Mac);
      }, Date.now(), 5000);
    }
    const served = await answers(6);
    assert.deepEqual([...new Set(served)].sort(), ['r1', 'r2'], served.join(' '));
    const status = await (cluster as LabCluster).lvsctl(['status', (cluster as LabCluster).planPath]);
    assert.match(status.stdout, /group front: master lvs2; tables match \(lvs1 STOPPED, lvs2 MASTER\)/, explain(status));
  });
});
