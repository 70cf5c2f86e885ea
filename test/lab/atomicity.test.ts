// Issue #5 scenario 8 on the real kernel, agent-driven: a plan the kernel rejects half-way
// leaves the director's kernel exactly as it was, and the rollout says what failed and that
// it was rolled back.
//
// The rejection: a service with the "mh" scheduler while the ip_vs_mh module is not loaded.
// Plan validation accepts mh (a real scheduler), but this kernel cannot load the module by
// itself: its request_module runs /sbin/modprobe, which looks in /lib/modules/<release>, and
// the UML kernel's modules live elsewhere (guest-init.sh loads them from /tmp/kmod). So with
// ip_vs_mh removed, `ipvsadm -A ... -s mh` is refused with "Scheduler or persistence engine
// not found", and `ipvsadm -R` goes on with the lines after it (seen in the guest). (A DR
// destination without a route is accepted by this kernel, so that is no rejection.)
// The batch: an edited weight before the refused line, a new service after it, and a
// changed mark rule that would follow the IPVS batch; so "half-way" is real.
// This is the lab's one scenario whose director runs `--ipvs ipvsadm` (the others run
// netlink): it keeps the ipvsadm -R path, and its wording, proven end to end.
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { countByServer, httpRequests } from './support/http';
import { ipvsSave, loadModule, mangleSave, moduleLoaded, recapOf, unloadModule } from './support/kernel-state';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';

const VIP = '10.0.0.100';
const REFUSED_MODULE = 'ip_vs_mh';
const hosts: PlanInput['hosts'] = {
  d: { role: 'director', address: '10.0.0.1' },
  r1: { role: 'realserver', address: '10.0.0.11' },
  r2: { role: 'realserver', address: '10.0.0.12' },
};
const both = [{ host: 'r1' }, { host: 'r2' }];

/** What is applied first: a port service and a firewall-mark service with its rule. */
const applied: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'atomicity',
  hosts,
  marks: [{ mark: 1, protocol: 'tcp', destination: VIP, ports: ['8443'] }],
  services: [
    { name: 'web', protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', forwarding: 'dr', realservers: both },
    { name: 'tls', fwmark: 1, scheduler: 'rr', forwarding: 'dr', realservers: both },
  ],
};

/** The change the kernel refuses at its third service. */
const refused: PlanInput = {
  ...applied,
  marks: [{ mark: 1, protocol: 'tcp', destination: VIP, ports: ['8443', '9443'] }],
  services: [
    { name: 'web', protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', forwarding: 'dr', realservers: [{ host: 'r1', weight: 3 }, { host: 'r2' }] },
    { name: 'tls', fwmark: 1, scheduler: 'rr', forwarding: 'dr', realservers: both },
    { name: 'hashed', protocol: 'tcp', vip: VIP, port: 8080, scheduler: 'mh', forwarding: 'dr', realservers: both },
    { name: 'after', protocol: 'tcp', vip: VIP, port: 8081, scheduler: 'rr', forwarding: 'dr', realservers: both },
  ],
};

function explain(result: CommandResult): string {
  return `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
}

describe('Atomicity: a plan the kernel refuses half-way leaves the director exactly as before', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS * 2);
  let cluster: LabCluster | undefined;
  let unloaded = false;

  before(async function () {
    // certificates, three agents and a first rollout: each lvsctl or agent start costs 15-20 s in the guest
    this.timeout(LAB_HOOK_TIMEOUT_MS * 2);
    requireLabGuest();
    cluster = await startLabCluster(applied, { prepareRealservers: true, httpPorts: [80], agentArgs: { d: ['--ipvs', 'ipvsadm'] } });
    const first = await cluster.rollout();
    assert.equal(first.code, 0, `the first rollout must apply the plan: ${explain(first)}`);
    assert.match(await cluster.agentLog('d'), /IPVS through ipvsadm \(--ipvs ipvsadm\)/);
    // Only now: no service of this boot may be using the module, or rmmod refuses.
    if (await moduleLoaded(REFUSED_MODULE)) {
      await unloadModule(REFUSED_MODULE);
      unloaded = true;
    }
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    // Later tests of this boot may use mh.
    if (unloaded) await loadModule(REFUSED_MODULE);
    await cluster?.teardown();
  });

  it('exits 2, says what the kernel refused and that it rolled back; ipvsadm -S -n and the mangle table are byte-identical', async () => {
    const lab = cluster as LabCluster;
    assert.ok(!(await moduleLoaded(REFUSED_MODULE)), `${REFUSED_MODULE} must be unloaded for the kernel to refuse the mh service`);
    const ipvsBefore = await ipvsSave('d');
    const mangleBefore = await mangleSave('d');
    assert.match(ipvsBefore, new RegExp(`^-a -t ${VIP}:80 -r 10\\.0\\.0\\.11:80 -g -w 1$`, 'm'), ipvsBefore);
    assert.match(mangleBefore, /8443.* -j MARK --set-xmark 0x1\/0xffffffff/, mangleBefore);
    await lab.writePlan(refused);

    const result = await lab.rollout();

    assert.equal(result.code, 2, explain(result));
    assert.match(result.stdout, /^d\s+failed\s+done: apply failed: ipvsadm -R refused part of the batch: Scheduler or persistence engine not found/m, explain(result));
    // Something had really been applied before (and after) the refused line, and was undone.
    assert.match(result.stdout, /^d\s+rollback\s+restored the snapshot: undid [2-9]\d* IPVS operation\(s\)/m, explain(result));
    assert.match(result.stdout, new RegExp(`^d\\s+skipped\\s+add-service tcp ${VIP}:8081: add service .*\\(not kept: rolled back\\)$`, 'm'), explain(result));
    assert.equal(recapOf(result.stdout).get('d')?.failed, 1, explain(result));
    assert.equal(await ipvsSave('d'), ipvsBefore, 'the IPVS table must be exactly as before');
    assert.equal(await mangleSave('d'), mangleBefore, 'the mangle table must be exactly as before');
    // And traffic still follows the old weights (1 and 1), not the refused 3 and 1.
    assert.deepEqual(countByServer(await httpRequests('client', `http://${VIP}/`, 4)), { r1: 2, r2: 2 });
  });

  it('then rolls the applied plan out again with 0 changed: the failed apply left no trace in what the agent owns', async () => {
    const lab = cluster as LabCluster;
    await lab.writePlan(applied);

    const result = await lab.rollout();

    assert.equal(result.code, 0, explain(result));
    assert.equal(recapOf(result.stdout).get('d')?.changed, 0, explain(result));
  });
});
