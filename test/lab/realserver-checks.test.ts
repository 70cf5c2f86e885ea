// Issue #5 scenario 5 on the real kernel, agent-driven: an LVS-DR realserver that is not
// ready (arp_ignore=0, or no VIP on lo) stops the rollout before the director, and the
// output says which host, which setting and the command that fixes it; with `prepare: true`
// the realserver agent fixes it itself and requests through the VIP flow.
import { strict as assert } from 'node:assert';
import type { PlanInput } from '../../controller/plan/schema';
import { startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { countByServer, httpRequests } from './support/http';
import { addressesOn, ipvsSave, readSysctl, recapOf } from './support/kernel-state';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { setSysctls } from './support/netns';
import { prepareRealserver } from './support/topology';

const VIP = '10.0.0.100';

function webPlan(prepare: boolean): PlanInput {
  const realserver = (address: string) => ({ role: 'realserver' as const, address, ...(prepare ? { prepare: true } : {}) });
  return {
    apiVersion: 'lvsctl/v1',
    cluster: 'rs-checks',
    hosts: { d: { role: 'director', address: '10.0.0.1' }, r1: realserver('10.0.0.11'), r2: realserver('10.0.0.12') },
    services: [{ name: 'web', protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', forwarding: 'dr', realservers: [{ host: 'r1' }, { host: 'r2' }] }],
  };
}

/** The output line `HOST  failed  ACTION TARGET: ...` and the `fix:` line printed under it. */
function failedCheck(result: CommandResult, host: string, actionAndTarget: string): { line: string; fix: string } {
  const lines = result.stdout.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^${host}\\s+failed\\s+`).test(l) && l.includes(`${actionAndTarget}:`));
  assert.ok(at >= 0, `no "${host}  failed  ${actionAndTarget}: ..." line in the rollout output:\n${result.stdout}\n${result.stderr}`);
  const fix = lines[at + 1] ?? '';
  assert.match(fix, /^\s+fix: /, `the failure of ${host} ${actionAndTarget} is not followed by its fix:\n${lines[at]}\n${fix}`);
  return { line: lines[at] as string, fix: fix.trim() };
}

describe('DR realservers not ready: the rollout stops before the director; prepare: true fixes them', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS * 2);
  let cluster: LabCluster | undefined;

  before(async function () {
    // certificates, three agents and a first rollout: each lvsctl or agent start costs 15-20 s in the guest
    this.timeout(LAB_HOOK_TIMEOUT_MS * 2);
    requireLabGuest();
    cluster = await startLabCluster(webPlan(false), { httpPorts: [80] });
    // r1: the VIP on lo, ARP announce right, but arp_ignore left at the kernel's 0.
    await prepareRealserver('r1', [VIP]);
    await setSysctls('r1', { 'net.ipv4.conf.all.arp_ignore': 0, 'net.ipv4.conf.eth0.arp_ignore': 0 });
    // r2: ARP settings right, but no VIP on lo.
    await setSysctls('r2', {
      'net.ipv4.conf.all.arp_ignore': 1,
      'net.ipv4.conf.all.arp_announce': 2,
      'net.ipv4.conf.eth0.arp_ignore': 1,
      'net.ipv4.conf.eth0.arp_announce': 2,
    });
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    await cluster?.teardown();
  });

  it('exits 2 before the director, naming each host, the setting and the command that fixes it', async () => {
    const lab = cluster as LabCluster;

    const result = await lab.rollout();

    assert.equal(result.code, 2, `exit code\n${result.stdout}\n${result.stderr}`);
    const arp = failedCheck(result, 'r1', 'check-arp_ignore net.ipv4.conf.all.arp_ignore');
    assert.match(arp.line, /is 0, LVS-DR needs 1/);
    assert.equal(arp.fix, 'fix: sysctl -w net.ipv4.conf.all.arp_ignore=1');
    const vip = failedCheck(result, 'r2', `check-vip ${VIP}`);
    assert.match(vip.line, /is not on lo/);
    assert.equal(vip.fix, `fix: ip addr add ${VIP}/32 dev lo`);
    assert.match(result.stdout,
      /^d\s+skipped\s+not applied: realserver r1 failed 2 checks: check-arp_ignore net\.ipv4\.conf\.all\.arp_ignore, check-arp_ignore net\.ipv4\.conf\.eth0\.arp_ignore; realserver r2 failed check check-vip 10\.0\.0\.100$/m);
    assert.equal(recapOf(result.stdout).get('d')?.skipped, 1);
    assert.equal(await ipvsSave('d'), '', 'the director must be left untouched');
    // Verifying changed nothing on the realservers either.
    assert.equal(await readSysctl('r1', 'net.ipv4.conf.all.arp_ignore'), '0');
    assert.ok(!(await addressesOn('r2', 'lo')).includes(`${VIP}/32`), 'r2 must not have been given the VIP');
  });

  it('with prepare: true the agents set arp_ignore and the VIP on lo, and requests through the VIP are answered', async () => {
    const lab = cluster as LabCluster;
    await lab.writePlan(webPlan(true));

    const result = await lab.rollout();

    assert.equal(result.code, 0, `exit code\n${result.stdout}\n${result.stderr}`);
    assert.equal(await readSysctl('r1', 'net.ipv4.conf.all.arp_ignore'), '1');
    assert.equal(await readSysctl('r1', 'net.ipv4.conf.eth0.arp_ignore'), '1');
    assert.ok((await addressesOn('r2', 'lo')).includes(`${VIP}/32`), `r2's lo: ${(await addressesOn('r2', 'lo')).join(', ')}`);
    const table = await ipvsSave('d');
    assert.match(table, new RegExp(`^-A -t ${VIP}:80 -s rr$`, 'm'), table);
    const answers = await httpRequests('client', `http://${VIP}/`, 6);
    assert.deepEqual(countByServer(answers), { r1: 3, r2: 3 }, JSON.stringify(answers));
  });
});
