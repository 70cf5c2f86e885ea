// FTP through LVS-DR on the real kernel (issue #5 scenario 4), agent-driven: vsftpd on both
// realservers, a firewall mark on 21 and the passive range, persistence; `lvsctl validate`
// refuses the plan without the passive mark, and a realserver whose vsftpd range lies
// outside the marks stops the rollout before the director.
import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PlanInput } from '../../controller/plan/schema';
import { LAB_CLUSTER_HOOK_TIMEOUT_MS, LAB_FTP_FILE, labVsftpdConfigPath, startLabCluster, type CommandResult, type LabCluster } from './support/cluster';
import { ftpDownloads, startVsftpd, type FtpResult } from './support/ftp';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { inNetns, killInNetns } from './support/netns';

const VIP = '10.0.0.100';
const PASSIVE = { pasvMin: 10000, pasvMax: 12000 };
const ftpMark = (ports: string[]) => ({ mark: 1, protocol: 'tcp' as const, destination: VIP, ports, inInterface: 'eth0' });
function ftpPlan(weights: { r1: number; r2: number }, marks = [ftpMark(['21']), ftpMark(['10000:12000'])]): PlanInput {
  const ftpHost = (address: string, host: string) => ({ role: 'realserver' as const, address, ftp: { server: 'vsftpd' as const, config: labVsftpdConfigPath(host) } });
  return {
    apiVersion: 'lvsctl/v1',
    cluster: 'lab-ftp',
    hosts: { d: { role: 'director', address: '10.0.0.1' }, r1: ftpHost('10.0.0.11', 'r1'), r2: ftpHost('10.0.0.12', 'r2') },
    marks,
    services: [{
      name: 'ftp',
      fwmark: 1,
      scheduler: 'rr',
      persistence: { timeout: 360 },
      ftp: { controlPort: 21, passivePorts: '10000:12000' },
      realservers: [{ host: 'r1', weight: weights.r1 }, { host: 'r2', weight: weights.r2 }],
    }],
  };
}

function contents(results: readonly FtpResult[]): string[] {
  return results.map((result) => (result.ok ? result.content.trim() : `failed at ${result.stage} (${result.error})`));
}

async function directorTable(): Promise<string> {
  return (await inNetns('d', 'ipvsadm', ['-S', '-n'])).stdout;
}

describe('FTP through LVS-DR, marks on 21 and the passive range, rolled out by lvsctl', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS);
  let cluster: LabCluster | undefined;
  let rollout: CommandResult | undefined;

  before(async function () {
    this.timeout(LAB_CLUSTER_HOOK_TIMEOUT_MS);
    requireLabGuest();
    cluster = await startLabCluster(ftpPlan({ r1: 1, r2: 1 }), { prepareRealservers: true, vsftpd: PASSIVE });
    rollout = await cluster.rollout();
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    await cluster?.teardown();
  });

  it('rolls out with exit 0: both realservers pass their FTP check, the director changed', () => {
    assert.ok(rollout);
    assert.equal(rollout.code, 0, `lvsctl rollout exited ${rollout.code}\n${rollout.stdout}\n${rollout.stderr}`);
    assert.match(rollout.stdout, /^d\s*:\s*ok=\d+ changed=[1-9]\d* failed=0 unreachable=0 skipped=0/m, rollout.stdout);
  });

  it('succeeds 10/10 anonymous downloads through the VIP, all from one realserver', async () => {
    const got = contents(await ftpDownloads('client', VIP, LAB_FTP_FILE, 10));

    assert.equal(got.length, 10);
    assert.equal(new Set(got).size, 1, `expected one realserver for all, got ${JSON.stringify(got)}`);
    assert.ok(got[0] === 'r1' || got[0] === 'r2', `downloads failed: ${JSON.stringify(got)}`);
  });

  it('lvsctl validate refuses the plan without the passive mark, naming the range (exit 1)', async () => {
    assert.ok(cluster);
    const path = join(dirname(cluster.planPath), 'no-passive-mark.json');
    await writeFile(path, JSON.stringify(ftpPlan({ r1: 1, r2: 1 }, [ftpMark(['21'])]), null, 2));

    const result = await cluster.lvsctl(['validate', path]);

    assert.equal(result.code, 1, `expected exit 1\n${result.stdout}\n${result.stderr}`);
    assert.match(result.stderr, /10000:12000/, result.stderr);
  });

  // Last: it restarts r2's vsftpd with another passive range.
  it('stops before the director when a realserver\'s vsftpd range lies outside the marks (exit 2, director untouched)', async () => {
    assert.ok(cluster);
    await killInNetns('r2', (name) => name === 'vsftpd');
    await startVsftpd('r2', { pasvMin: 13000, pasvMax: 13100, root: '/tmp/lab-ftp-r2', files: { [LAB_FTP_FILE]: 'r2\n' } });
    const before = await directorTable();
    // A plan the director would apply differently (weights), so "untouched" means something.
    await cluster.writePlan(ftpPlan({ r1: 3, r2: 1 }));

    const result = await cluster.rollout();

    assert.equal(result.code, 2, `expected exit 2\n${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /^r2\s+failed\s+.*13000/m, `the failure names r2 and its range:\n${result.stdout}`);
    assert.match(result.stdout, /fix: .*pasv_min_port=10000.*pasv_max_port=12000/, `the fix is given:\n${result.stdout}`);
    assert.match(result.stdout, /^d\s+skipped\s+.*r2/m, `the director is skipped because of r2:\n${result.stdout}`);
    assert.equal(await directorTable(), before, 'the director\'s IPVS table is as before');
  });
});
