// Issue #5 scenario 6 on the real kernel, agent-driven: a second rollout changes nothing and
// leaves a service added by hand alone, reporting it as unmanaged; a destination deleted by
// hand is shown by `rollout --check` and put back by the next rollout; a weight changed by
// hand just before a rollout is put back by it though its apply reads no listing (the
// director checked its table when the rollout's hello said an apply follows). (Rollouts cost
// about 30 s each in the guest, so each test does as much as one rollout can show.)
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { countByServer, httpRequests } from './support/http';
import { ipvsSave, recapOf } from './support/kernel-state';
import { LAB_IPVS_BACKEND } from './support/agents';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { inNetns } from './support/netns';

const VIP = '10.0.0.100';
const HAND_VIP = '10.0.0.150';
const plan: PlanInput = {
  apiVersion: 'lvsctl/v1',
  cluster: 'drift',
  hosts: {
    d: { role: 'director', address: '10.0.0.1' },
    r1: { role: 'realserver', address: '10.0.0.11' },
    r2: { role: 'realserver', address: '10.0.0.12' },
  },
  services: [{ name: 'web', protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', forwarding: 'dr', realservers: [{ host: 'r1' }, { host: 'r2' }] }],
};
const R2_DESTINATION = `-a -t ${VIP}:80 -r 10.0.0.12:80 -g -w 1`;

function explain(result: CommandResult): string {
  return `exit ${result.code}\n${result.stdout}\n${result.stderr}`;
}

/** How the director's last apply read its table (its `director apply finished` line, `ipvsReads.plan.kind`). */
function lastPlanRead(log: string): string | undefined {
  const finished = log.split('\n').filter((line) => line.startsWith('{') && line.includes('"director apply finished'));
  const last = finished.at(-1);
  return last === undefined ? undefined : (JSON.parse(last) as { ipvsReads?: { plan?: { kind?: string } } }).ipvsReads?.plan?.kind;
}

function assertNothingChanged(result: CommandResult): void {
  const recap = recapOf(result.stdout);
  assert.deepEqual([...recap.keys()].sort(), ['d', 'r1', 'r2'], explain(result));
  for (const [host, counters] of recap) assert.equal(counters.changed, 0, `${host} changed something:\n${explain(result)}`);
}

describe('Idempotence and drift: rollout again, a destination deleted by hand, a service added by hand', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS * 2);
  let cluster: LabCluster | undefined;

  before(async function () {
    // certificates, three agents and a first rollout: each lvsctl or agent start costs 15-20 s in the guest
    this.timeout(LAB_HOOK_TIMEOUT_MS * 2);
    requireLabGuest();
    cluster = await startLabCluster(plan, { prepareRealservers: true, httpPorts: [80] });
    const first = await cluster.rollout();
    assert.equal(first.code, 0, `the first rollout must apply the plan: ${explain(first)}`);
    assert.match(first.stdout, new RegExp(`^d\\s+changed\\s+add-service tcp ${VIP}:80$`, 'm'), `the first rollout adds the service: ${explain(first)}`);
    // drift is caught the same way whichever door the director uses to IPVS
    assert.match(await cluster.agentLog('d'), new RegExp(`IPVS through ${LAB_IPVS_BACKEND}`));
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    await cluster?.teardown();
  });

  it('reports 0 changed on a second rollout, leaving a service added by hand with ipvsadm -A alone and reporting it as unmanaged', async () => {
    await inNetns('d', 'ipvsadm', ['-A', '-t', `${HAND_VIP}:8080`, '-s', 'wrr']);
    await inNetns('d', 'ipvsadm', ['-a', '-t', `${HAND_VIP}:8080`, '-r', '10.0.0.11:8080', '-g', '-w', '5']);
    const before = await ipvsSave('d');

    const result = await (cluster as LabCluster).rollout();

    assert.equal(result.code, 0, explain(result));
    assertNothingChanged(result);
    assert.match(result.stdout, new RegExp(`^d\\s+notice\\s+unmanaged service tcp ${HAND_VIP}:8080: not in the plan and not created by lvsctl; left alone$`, 'm'), explain(result));
    const table = await ipvsSave('d');
    assert.equal(table, before, 'nothing in the table changed, the hand-made service included');
    assert.match(table, new RegExp(`^-A -t ${HAND_VIP}:8080 -s wrr$`, 'm'), table);
    assert.match(table, new RegExp(`^-a -t ${HAND_VIP}:8080 -r 10\\.0\\.0\\.11:8080 -g -w 5$`, 'm'), table);
  });

  it('shows a destination deleted by hand with --check (exit 0), and the next rollout puts it back', async () => {
    const lab = cluster as LabCluster;
    await inNetns('d', 'ipvsadm', ['-d', '-t', `${VIP}:80`, '-r', '10.0.0.12:80']);
    assert.ok(!(await ipvsSave('d')).includes(R2_DESTINATION));

    const check = await lab.rollout(['--check']);

    assert.equal(check.code, 0, explain(check));
    assert.match(check.stdout, new RegExp(`^d\\s+changed\\s+add-destination tcp ${VIP}:80 -> 10\\.0\\.0\\.12:80$`, 'm'), explain(check));
    assert.match(check.stdout, /check mode: nothing was changed/);
    assert.ok(!(await ipvsSave('d')).includes(R2_DESTINATION), '--check must not change the kernel');

    const repair = await lab.rollout();

    assert.equal(repair.code, 0, explain(repair));
    assert.match(repair.stdout, new RegExp(`^d\\s+changed\\s+add-destination tcp ${VIP}:80 -> 10\\.0\\.0\\.12:80$`, 'm'), explain(repair));
    assert.equal(recapOf(repair.stdout).get('d')?.changed, 1, explain(repair));
    assert.ok((await ipvsSave('d')).includes(R2_DESTINATION), await ipvsSave('d'));
    assert.deepEqual(countByServer(await httpRequests('client', `http://${VIP}/`, 4)), { r1: 2, r2: 2 }, 'r2 gets traffic again');
  });

  it('puts back a weight changed by hand just before the rollout, whose apply read only what the check at its hello left', async () => {
    const lab = cluster as LabCluster;
    await inNetns('d', 'ipvsadm', ['-e', '-t', `${VIP}:80`, '-r', '10.0.0.12:80', '-g', '-w', '7']);
    assert.match(await ipvsSave('d'), new RegExp(`-r 10\\.0\\.0\\.12:80 -g -w 7$`, 'm'));

    const repair = await lab.rollout();

    assert.equal(repair.code, 0, explain(repair));
    assert.match(repair.stdout, new RegExp(`^d\\s+changed\\s+edit-destination tcp ${VIP}:80 -> 10\\.0\\.0\\.12:80`, 'm'), explain(repair));
    assert.ok((await ipvsSave('d')).includes(R2_DESTINATION), await ipvsSave('d'));
    // over ipvsadm the door reads whole every time: nothing is checked ahead
    const expected = LAB_IPVS_BACKEND === 'netlink' ? 'ahead' : 'whole';
    assert.equal(lastPlanRead(await lab.agentLog('d')), expected, 'netlink: the apply took the table checked at the hello, not a read of its own');
  });
});
