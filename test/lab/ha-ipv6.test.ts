// A director pair whose group moves only an IPv6 VIP, on the real kernel with Debian's
// keepalived: the agents render an IPv6 instance (VRRP version 3, adverts over IPv6, no
// authentication), keepalived elects a master that holds the VIP, a client over IPv6 is
// answered by both LVS-DR realservers through it; the master's keepalived is killed (a crash)
// and the backup takes the VIP and announces it (unsolicited neighbour advertisements), so
// the client's neighbour entry names the backup and its requests are answered again.
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import type { PlanInput } from '../../controller/plan/schema';
import { startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { httpRequests } from './support/http';
import { hasAddress, labKeepalived, waitFor, type LabKeepalived } from './support/keepalived';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { inNetns } from './support/netns';

const VIP = 'fd00::70';
/** 3 x advert_int (1 s) + skew, as VRRP times a silent master out, with room for a loaded guest */
const MOVE_BOUND_MS = 8000;

const PLAN: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'ha-ipv6',
  hosts: {
    lvs1: { role: 'director', address: '10.0.0.1' },
    lvs2: { role: 'director', address: '10.0.0.2' },
    r1: { role: 'realserver', address: 'fd00::11', prepare: true },
    r2: { role: 'realserver', address: 'fd00::12', prepare: true },
  },
  services: [{ name: 'web6', protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', realservers: [{ host: 'r1' }, { host: 'r2' }] }],
  directorGroups: [{ name: 'front6', directors: ['lvs1', 'lvs2'], virtualRouterId: 71, interface: 'eth0', advertInterval: 1, failback: true, sync: { interface: 'eth0', syncId: 71 } }],
};

function explain(result: CommandResult): string {
  return `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
}

async function answers(count: number): Promise<string[]> {
  return (await httpRequests('client', [`http://[${VIP}]/`], count, { timeoutMs: 5000 })).map((a) => a.server ?? `failed (${a.error ?? 'no answer'})`);
}

async function macOf(ns: string): Promise<string> {
  const { stdout } = await inNetns(ns, 'ip', ['-j', 'link', 'show', 'eth0']);
  const [link] = JSON.parse(stdout) as Array<{ address: string }>;
  assert.ok(link, `no eth0 in ${ns}`);
  return link.address;
}

async function clientNeighbourOfVip(): Promise<string | undefined> {
  const { stdout } = await inNetns('client', 'ip', ['-j', '-6', 'neigh', 'show', VIP]);
  return (JSON.parse(stdout || '[]') as Array<{ lladdr?: string }>)[0]?.lladdr;
}

describe('A director pair moving only an IPv6 VIP: an IPv6 keepalived instance (VRRPv3)', function () {
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
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    for (const k of Object.values(keepalived)) await k.kill();
    await cluster?.teardown();
  });

  it('one rollout with keepalived running: lvs1 holds the IPv6 VIP and the client is answered by both realservers through it', async () => {
    const lab = cluster as LabCluster;
    // keepalived starts from the file the agents write: the first rollout writes it and stops there
    const first = await lab.rollout();
    assert.equal(first.code, 2, explain(first));
    const config = await readFile(keepalived.lvs1.configPath, 'utf8');
    assert.match(config, /virtual_ipaddress \{\n {8}fd00::70\/128 dev eth0\n {4}\}/);
    assert.doesNotMatch(config, /authentication|virtual_ipaddress_excluded/);
    await keepalived.lvs1.start();
    await keepalived.lvs2.start();
    const result = await lab.rollout();
    assert.equal(result.code, 0, explain(result));
    const elected = await waitFor('lvs1 holds the VIP', () => hasAddress('lvs1', 'eth0', VIP), Date.now(), 20_000);
    console.log(`      lvs1 took the IPv6 VIP ${elected} ms after the rollout returned`);
    assert.equal(await hasAddress('lvs2', 'eth0', VIP), false, 'the backup must not hold the VIP');
    const served = await answers(6);
    assert.deepEqual([...new Set(served)].sort(), ['r1', 'r2'], served.join(' '));
    assert.equal(await clientNeighbourOfVip(), await macOf('lvs1'));
  });

  it("the master's keepalived killed: lvs2 takes the VIP, the client's neighbour entry names it, and the client is answered again", async () => {
    const killedAt = Date.now();
    await keepalived.lvs1.kill();
    const moved = await waitFor('lvs2 takes the VIP', () => hasAddress('lvs2', 'eth0', VIP), killedAt, MOVE_BOUND_MS);
    console.log(`      keepalived SIGKILLed on lvs1: IPv6 VIP on lvs2 after ${moved} ms (bound ${MOVE_BOUND_MS} ms)`);
    const lvs2 = await macOf('lvs2');
    // lvs1 (crashed) still holds the VIP and its table: only the announcement moves the client
    await waitFor("the client's neighbour entry for the VIP names lvs2", async () => (await clientNeighbourOfVip()) === lvs2, Date.now(), 5000);
    const served = await answers(6);
    assert.deepEqual([...new Set(served)].sort(), ['r1', 'r2'], served.join(' '));
    const status = await (cluster as LabCluster).lvsctl(['status', (cluster as LabCluster).planPath]);
    assert.match(status.stdout, /group front6: master lvs2; tables match \(lvs1 STOPPED, lvs2 MASTER\)/, explain(status));
  });
});
