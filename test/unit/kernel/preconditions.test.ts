import { strict as assert } from 'node:assert';
import { createLinuxPreconditions } from '../../../agent/kernel/linux/preconditions';
import { exitWith, notFound, ok, recordingExec, type Answer } from './recording-exec';


interface Host {
  uid?: number;
  ipvsInKernel?: boolean;
  missing?: string[];
  iptablesVersion?: string;
  failing?: Record<string, string>;
}

function check(host: Host, iptables: 'auto' | 'legacy' | 'nft' = 'auto', ipvsadm = true) {
  const { exec } = recordingExec((file, args): Answer => {
    if (host.missing?.includes(file)) return notFound(file, args);
    const failure = host.failing?.[file];
    if (failure !== undefined) return exitWith(file, args, 1, failure);
    if (file === 'iptables') return ok(host.iptablesVersion ?? 'iptables v1.8.9 (legacy)\n');
    return ok();
  });
  return createLinuxPreconditions({
    exec,
    iptables,
    uid: () => host.uid ?? 0,
    pathExists: async (p) => p !== '/proc/net/ip_vs' || (host.ipvsInKernel ?? true),
    ipvsadm,
  }).check();
}

describe('director preconditions', () => {
  it('passes on a root host with ipvsadm, IPVS and a working iptables', async () => {
    assert.deepEqual(await check({}), []);
  });

  it('names apt-get install ipvsadm when ipvsadm is missing', async () => {
    const problems = await check({ missing: ['ipvsadm'] });
    assert.deepEqual(problems.map((p) => [p.message, p.fix]), [['ipvsadm is not installed', 'apt-get install ipvsadm']]);
  });

  it('does not need ipvsadm when IPVS is reached over netlink', async () => {
    assert.deepEqual(await check({ missing: ['ipvsadm'] }, 'auto', false), []);
  });

  it('names modprobe ip_vs when the kernel has no IPVS, without blaming ipvsadm', async () => {
    const problems = await check({ ipvsInKernel: false, failing: { ipvsadm: "Can't initialize ipvs: Protocol not available" } });
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /\/proc\/net\/ip_vs is missing/);
    assert.match(problems[0].fix, /^modprobe ip_vs/);
  });

  it('says the agent needs root when it is not', async () => {
    const problems = await check({ uid: 1000 });
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /runs as uid 1000; .* needs root/);
  });

  it('names the other backend when the chosen one cannot read mangle (the lab kernel has no nf_tables)', async () => {
    const stderr = 'iptables: Failed to initialize nft: Protocol not supported';
    const problems = await check({ iptablesVersion: 'iptables v1.8.9 (nf_tables)', failing: { 'iptables-nft-save': stderr } });
    assert.equal(problems.length, 1);
    assert.match(problems[0].message, /iptables backend "nft" cannot read the mangle table: .*Failed to initialize nft/);
    assert.match(problems[0].fix, /--iptables legacy/);
  });

  it('names apt-get install iptables when iptables is missing', async () => {
    const problems = await check({ missing: ['iptables'] });
    assert.deepEqual(problems.map((p) => p.fix), ['apt-get install iptables']);
  });

  it('reports every problem at once', async () => {
    const problems = await check({ uid: 1000, missing: ['ipvsadm', 'iptables-legacy-save'], ipvsInKernel: false }, 'legacy');
    assert.deepEqual(problems.map((p) => p.subject), ['root', 'ipvsadm', 'ip_vs', 'iptables']);
  });
});
