// Issue 12 on the real kernel with Debian's keepalived: two directors of one group on the
// lab bridge, fwmark 1 on tcp 80+443 with persistence (DR). The agents write keepalived's
// VRRP config and reload it; keepalived moves the VIP and runs the IPVS sync daemon. A
// client pins to one realserver and holds a TCP connection open; the master's keepalived is
// killed (a crash: SIGKILL, no goodbye advert), then, in a second case, the master's link
// is taken down. Each time the VIP moves to the backup within a bound, the client's next
// requests land on the same realserver (the synced template), the held connection still
// answers, and with failback the master takes the VIP back when it returns. The times
// measured are printed (docs/ha.md quotes them).
import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import type { PlanInput } from '../../controller/plan/schema';
import { startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { countByServer, httpRequests } from './support/http';
import { ipvsConnections, isTemplate } from './support/ipvsadm';
import { holdConnection, startEchoServer, type DetachedProgram, type HeldConnection } from './support/kernel-state';
import { hasAddress, labKeepalived, waitFor, type LabKeepalived } from './support/keepalived';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { run } from './support/netns';

const VIP = '10.0.0.100';
const ADDRESS: Record<string, string> = { r1: '10.0.0.11', r2: '10.0.0.12' };
/** 3 x advert_int (1 s) + skew, as VRRP times a silent master out, with room for a loaded guest */
const MOVE_BOUND_MS = 8000;

const PLAN: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'ha',
  hosts: {
    lvs1: { role: 'director', address: '10.0.0.1' },
    lvs2: { role: 'director', address: '10.0.0.2' },
    r1: { role: 'realserver', address: ADDRESS.r1 },
    r2: { role: 'realserver', address: ADDRESS.r2 },
  },
  marks: [{ mark: 1, protocol: 'tcp', destination: VIP, ports: ['80', '443'], inInterface: 'eth0' }],
  services: [{ name: 'shop', fwmark: 1, scheduler: 'rr', persistence: { timeout: 360 }, realservers: [{ host: 'r1' }, { host: 'r2' }] }],
  directorGroups: [{ name: 'front', directors: ['lvs1', 'lvs2'], virtualRouterId: 51, interface: 'eth0', advertInterval: 1, failback: true, sync: { interface: 'eth0', syncId: 51 } }],
};

function explain(result: CommandResult): string {
  return `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
}

describe('A director pair: keepalived moves the VIP, the sync daemon carries connections and persistence', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS * 2);
  let cluster: LabCluster | undefined;
  const keepalived: Record<string, LabKeepalived> = { lvs1: labKeepalived('lvs1'), lvs2: labKeepalived('lvs2') };
  const programs: DetachedProgram[] = [];
  let held: HeldConnection | undefined;
  let pinned = '';

  before(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS * 2);
    requireLabGuest();
    cluster = await startLabCluster(PLAN, {
      prepareRealservers: true,
      httpPorts: [80],
      agentArgs: { lvs1: keepalived.lvs1.agentArgs, lvs2: keepalived.lvs2.agentArgs },
    });
    programs.push(await startEchoServer('r1', 443, 'r1'), await startEchoServer('r2', 443, 'r2'));
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    await held?.close();
    for (const program of programs) await program.stop();
    for (const k of Object.values(keepalived)) await k.kill();
    await cluster?.teardown();
  });

  it('refuses to apply while keepalived is not running, naming the fix; the config it wrote passes keepalived -t', async () => {
    const lab = cluster as LabCluster;
    const result = await lab.rollout();
    assert.equal(result.code, 2, explain(result));
    assert.match(result.stdout, /keepalived is not running \(its configuration for group "front" is written at \/tmp\/lvsctl-lab\/keepalived-lvs2\/keepalived\.conf\)/, explain(result));
    assert.match(result.stdout, /systemctl start keepalived/, explain(result));
    // a director without keepalived holds no VRRP role: the group goes on to the master, which says the same
    assert.match(result.stdout, /keepalived is not running \(its configuration for group "front" is written at \/tmp\/lvsctl-lab\/keepalived-lvs1\/keepalived\.conf\)/, explain(result));
    for (const ns of ['lvs1', 'lvs2']) {
      const config = await readFile(keepalived[ns]?.configPath as string, 'utf8');
      assert.match(config, /^# Written by lvsctl-agent; sha256 [0-9a-f]{64}\n/);
      assert.match(config, /lvs_sync_daemon eth0 LVSCTL_front id 51/);
      await run('ip', ['netns', 'exec', ns, 'keepalived', '--config-test', '--use-file', keepalived[ns]?.configPath as string]);
    }
  });

  it('with keepalived running: one rollout, lvs1 MASTER with the VIP, lvs2 BACKUP, the sync daemons up, the tables match', async () => {
    const lab = cluster as LabCluster;
    await keepalived.lvs1.start();
    await keepalived.lvs2.start();
    const result = await lab.rollout();
    assert.equal(result.code, 0, explain(result));
    assert.match(result.stdout, /^lvs2\s+changed\s+add-service fwmark 1/m, explain(result));
    const since = Date.now();
    const elected = await waitFor('lvs1 holds the VIP', () => hasAddress('lvs1', 'eth0', VIP), since, 20_000);
    console.log(`      lvs1 took the VIP ${elected} ms after the rollout returned`);
    assert.equal(await hasAddress('lvs2', 'eth0', VIP), false, 'the backup must not hold the VIP');
    const daemons = await run('ip', ['netns', 'exec', 'lvs1', 'ipvsadm', '-L', '--daemon']);
    assert.match(daemons.stdout, /master sync daemon \(mcast=eth0, syncid=51[,)]/, daemons.stdout);
    // the notify script has to have run: poll status until keepalived's states are in
    let status: CommandResult | undefined;
    await waitFor('status names lvs1 master', async () => {
      status = await lab.lvsctl(['status', lab.planPath]);
      return /group front: master lvs1; tables match/.test(status.stdout);
    }, Date.now(), 30_000).catch(() => undefined);
    assert.ok(status);
    assert.match(status.stdout, /group front: master lvs1; tables match \(lvs1 MASTER, lvs2 BACKUP\)/, explain(status));
    assert.equal(status.code, 0, explain(status));
  });

  it("keepalived killed on the master: the VIP moves, the client stays on its realserver, a held connection answers, failback", async () => {
    const lab = cluster as LabCluster;
    held = await holdConnection('client', VIP, 443);
    pinned = (await held.exchange('one')).split(' ')[0] as string;
    for (const n of ['two', 'three', 'four']) assert.equal(await held.exchange(n), `${pinned} ${n}`);
    const before = countByServer(await httpRequests('client', `http://${VIP}/`, 4));
    assert.deepEqual(before, { [pinned]: 4 }, 'persistence pins the client to one realserver');
    // the backup must hold the template before the failover: that is the sync daemon's work
    const synced = await waitFor('lvs2 holds the synced template', async () => {
      const { connections } = await ipvsConnections('lvs2');
      return connections.some((c) => isTemplate(c) && c.source.address === '10.0.0.200' && c.destination.address === ADDRESS[pinned]);
    }, Date.now(), 15_000);
    console.log(`      template synced to lvs2 within ${synced} ms of checking`);

    const killedAt = Date.now();
    await keepalived.lvs1.kill();
    const moved = await waitFor('lvs2 takes the VIP', () => hasAddress('lvs2', 'eth0', VIP), killedAt, MOVE_BOUND_MS);
    console.log(`      keepalived SIGKILLed on lvs1 (VRRP process first: no goodbye advert): VIP on lvs2 after ${moved} ms (bound ${MOVE_BOUND_MS} ms)`);
    assert.equal(await held.exchange('after-kill', 15_000), `${pinned} after-kill`, 'the held connection still answers through lvs2');
    const after = countByServer(await httpRequests('client', `http://${VIP}/`, 4, { timeoutMs: 5000 }));
    assert.deepEqual(after, { [pinned]: 4 }, 'the next requests land on the same realserver');
    const status = await lab.lvsctl(['status', lab.planPath]);
    assert.match(status.stdout, /group front: master lvs2; tables match \(lvs1 STOPPED, lvs2 MASTER\)/, explain(status));
    assert.match(status.stdout, /lvs1: keepalived is not running/, explain(status));
    assert.equal(status.code, 2, 'a group with a stopped keepalived is a problem');

    // failback: lvs1 (priority 110) preempts lvs2 (100) when it comes back
    const restartedAt = Date.now();
    await keepalived.lvs1.start();
    const back = await waitFor('lvs2 gives the VIP back', async () => !(await hasAddress('lvs2', 'eth0', VIP)), restartedAt, 20_000);
    console.log(`      keepalived restarted on lvs1: VIP back on lvs1 (gone from lvs2) after ${back} ms`);
    assert.equal(await hasAddress('lvs1', 'eth0', VIP), true);
    assert.equal(await held.exchange('after-failback', 15_000), `${pinned} after-failback`);
    assert.deepEqual(countByServer(await httpRequests('client', `http://${VIP}/`, 4)), { [pinned]: 4 });
  });

  it("the master's link down: the VIP moves, the client stays on its realserver, the held connection answers; link up fails back", async () => {
    await run('ip', ['-n', 'lvs1', 'link', 'set', 'eth0', 'down']);
    const downAt = Date.now();
    const moved = await waitFor('lvs2 takes the VIP', () => hasAddress('lvs2', 'eth0', VIP), downAt, MOVE_BOUND_MS);
    console.log(`      lvs1 eth0 down: VIP on lvs2 after ${moved} ms (bound ${MOVE_BOUND_MS} ms)`);
    assert.equal(await (held as HeldConnection).exchange('link-down', 15_000), `${pinned} link-down`);
    assert.deepEqual(countByServer(await httpRequests('client', `http://${VIP}/`, 4)), { [pinned]: 4 });

    await run('ip', ['-n', 'lvs1', 'link', 'set', 'eth0', 'up']);
    const upAt = Date.now();
    const back = await waitFor('lvs2 gives the VIP back', async () => !(await hasAddress('lvs2', 'eth0', VIP)), upAt, 20_000);
    console.log(`      lvs1 eth0 up: VIP back on lvs1 (gone from lvs2) after ${back} ms`);
    assert.equal(await (held as HeldConnection).exchange('link-up', 15_000), `${pinned} link-up`);
    assert.deepEqual(countByServer(await httpRequests('client', `http://${VIP}/`, 4)), { [pinned]: 4 });
  });

  it('an address added to the group, rolled out to the backup alone: it still takes the master\'s adverts (no second master); then to both', async () => {
    const lab = cluster as LabCluster;
    const ADDED = '10.0.0.101';
    await lab.writePlan({ ...PLAN, directorGroups: [{ ...PLAN.directorGroups![0]!, addresses: [VIP, ADDED] }] });
    // the backup's keepalived.conf now lists one address more than the master's
    const backupOnly = await lab.rollout(['--limit', 'lvs2']);
    assert.match(backupOnly.stdout, /^lvs2\s+changed\s+keepalived /m, explain(backupOnly));
    assert.equal(backupOnly.code, 2, `the group is left with two files: ${explain(backupOnly)}`);
    // keepalived's backup drops an advert whose addresses differ from its own: were they all
    // advertised, lvs2 would hear no master and take the VIP within 3 adverts (about 3.6 s)
    const watchedFrom = Date.now();
    while (Date.now() - watchedFrom < MOVE_BOUND_MS) {
      assert.equal(await hasAddress('lvs2', 'eth0', VIP), false, `lvs2 took the VIP ${Date.now() - watchedFrom} ms after it reloaded a file with one address more: two masters`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(await hasAddress('lvs1', 'eth0', VIP), true);
    const both = await lab.rollout();
    assert.equal(both.code, 0, explain(both));
    await waitFor('lvs1 holds the added address', () => hasAddress('lvs1', 'eth0', ADDED), Date.now(), 20_000);
    assert.equal(await hasAddress('lvs2', 'eth0', ADDED), false);
    assert.equal(await hasAddress('lvs2', 'eth0', VIP), false);
    assert.deepEqual(countByServer(await httpRequests('client', `http://${VIP}/`, 4)), { [pinned]: 4 });
  });
});
