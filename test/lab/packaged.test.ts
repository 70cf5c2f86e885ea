// The release artifacts on the real kernel: the .deb of `npm run package` unpacked, and its
// single executables (no node, no dist/, no node_modules used) run as the agents of a
// director and two realservers and as lvsctl from the client namespace; a rollout, then
// real traffic through the VIP. The director reaches IPVS over netlink, so the addon the
// agent carries inside itself is loaded here too.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PlanInput } from '../../controller/plan/schema';
import { LAB_CLUSTER_HOOK_TIMEOUT_MS, startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { countByServer, httpRequests } from './support/http';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { sleep } from './support/netns';
import { unpackPackage, type UnpackedPackage } from './support/packaged';

const VIP = '10.0.0.100';
const plan: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'lab-packaged',
  hosts: {
    d: { role: 'director', address: '10.0.0.1' },
    r1: { role: 'realserver', address: '10.0.0.11', prepare: true },
    r2: { role: 'realserver', address: '10.0.0.12', prepare: true },
  },
  services: [
    { name: 'web', protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', realservers: [{ host: 'r1' }, { host: 'r2' }] },
  ],
};

describe('the packaged executables (.deb) as agents and controller, with real traffic', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS);
  let pkg: UnpackedPackage | undefined;
  let cluster: LabCluster | undefined;
  let rollout: CommandResult | undefined;

  before(async function () {
    this.timeout(LAB_CLUSTER_HOOK_TIMEOUT_MS);
    requireLabGuest();
    pkg = await unpackPackage();
    // --ipvs netlink even under LAB_IPVS=ipvsadm: the embedded addon is what this scenario proves
    cluster = await startLabCluster(plan, { httpPorts: [80], programs: { agent: pkg.agent, lvsctl: pkg.lvsctl }, agentArgs: { d: ['--ipvs', 'netlink'] } });
    rollout = await cluster.rollout();
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    await cluster?.teardown();
    await pkg?.remove();
  });

  it('the .deb holds both executables, the unit, its defaults and the docs, and declares what the agent runs', () => {
    assert.ok(pkg);
    for (const file of ['usr/bin/lvsctl', 'usr/bin/lvsctl-agent', 'lib/systemd/system/lvsctl-agent.service', 'etc/default/lvsctl-agent', 'usr/share/doc/lvsctl/README.md', 'usr/share/doc/lvsctl/install.md']) {
      assert.ok(existsSync(join(pkg.root, file)), `${file} is not in ${pkg.deb}`);
    }
    assert.match(readFileSync(join(pkg.root, 'lib/systemd/system/lvsctl-agent.service'), 'utf8'), /^ExecStart=\/usr\/bin\/lvsctl-agent /m);
    assert.match(pkg.control, /^Depends: .*\biproute2\b.*\biptables\b/m, pkg.control);
    assert.match(pkg.control, /^Recommends: .*\bipvsadm\b/m, pkg.control);
  });

  it('rolls out with the packaged lvsctl to the packaged agents: exit 0, every host changed', () => {
    assert.ok(rollout);
    assert.equal(rollout.code, 0, `lvsctl rollout exited ${rollout.code}\n${rollout.stdout}\n${rollout.stderr}`);
    for (const host of ['d', 'r1', 'r2']) {
      assert.match(rollout.stdout, new RegExp(`^${host}\\s*:\\s*ok=\\d+ changed=[1-9]\\d* failed=0 unreachable=0`, 'm'), rollout.stdout);
    }
  });

  it('the director agent loaded its embedded netlink addon: IPVS through netlink', async () => {
    assert.ok(cluster);
    const log = await cluster.agentLog('d');
    assert.match(log, /"message":"IPVS through netlink/, log);
  });

  it('sends 20 requests through the VIP, split 10/10 over r1 and r2 (rr)', async () => {
    const counts = countByServer(await httpRequests('client', `http://${VIP}/`, 20));
    assert.deepEqual(counts, { r1: 10, r2: 10 });
  });

  it('reloads its certificates on SIGHUP (what the unit\'s ExecReload sends)', async () => {
    assert.ok(cluster);
    const pid = cluster.agentPid('d');
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGHUP');
    const deadline = Date.now() + 60_000;
    let log = '';
    while (Date.now() < deadline) {
      log = await cluster.agentLog('d');
      if (log.includes('"message":"certificates reloaded"')) break;
      await sleep(250);
    }
    assert.match(log, /"message":"certificates reloaded"/, log);
    const again = await cluster.lvsctl(['status', cluster.planPath]);
    assert.equal(again.code, 0, `${again.stdout}\n${again.stderr}`);
  });
});
