// FTP through LVS-DR on the real kernel (issue #5 scenario 4, by hand until the agents
// exist): vsftpd on both realservers, firewall mark 1 on 21 and the passive range.
import { strict as assert } from 'node:assert';
import { ftpDownloads, startVsftpd, type FtpResult, type RunningVsftpd } from './support/ftp';
import { ipvsadmClear, ipvsadmRestore } from './support/ipvsadm';
import { LAB_HOOK_TIMEOUT_MS, LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { inNetns } from './support/netns';
import { buildTopology, type Topology, type TopologyPlan } from './support/topology';

const VIP = '10.0.0.100';
const plan: TopologyPlan = {
  hosts: {
    d: { role: 'director', address: '10.0.0.1' },
    r1: { role: 'realserver', address: '10.0.0.11' },
    r2: { role: 'realserver', address: '10.0.0.12' },
  },
  services: [{ forwarding: 'dr', realservers: [{ host: 'r1' }, { host: 'r2' }] }],
  marks: [{ destination: VIP }],
};

function fwmarkService(persistence: string): string[] {
  return [`-A -f 1 -s rr${persistence}`, '-a -f 1 -r 10.0.0.11:0 -g -w 1', '-a -f 1 -r 10.0.0.12:0 -g -w 1'];
}

function contents(results: readonly FtpResult[]): string[] {
  return results.map((result) => (result.ok ? result.content.trim() : `failed at ${result.stage} (${result.error})`));
}

describe('FTP through LVS-DR with a firewall mark on 21 and the passive range (hand-made)', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS);
  let topology: Topology | undefined;
  const ftpServers: RunningVsftpd[] = [];

  before(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    requireLabGuest();
    topology = await buildTopology(plan, { prepareRealservers: true });
    for (const host of ['r1', 'r2']) {
      ftpServers.push(await startVsftpd(host, { pasvMin: 10000, pasvMax: 12000, root: `/tmp/lab-ftp-${host}`, files: { 'who.txt': `${host}\n` } }));
    }
    await inNetns('d', 'iptables-legacy-restore', ['--noflush'], {
      input: ['*mangle', ':LVSCTL-MARK - [0:0]', '-A PREROUTING -j LVSCTL-MARK',
        `-A LVSCTL-MARK -d ${VIP}/32 -p tcp -m multiport --dports 21,10000:12000 -j MARK --set-mark 1`, 'COMMIT', ''].join('\n'),
    });
  });

  afterEach(async () => {
    await ipvsadmClear('d');
  });

  after(async function () {
    this.timeout(LAB_HOOK_TIMEOUT_MS);
    for (const server of ftpServers) await server.stop();
    await topology?.teardown();
  });

  it('downloads from a realserver directly (the harness itself works)', async () => {
    assert.deepEqual(contents(await ftpDownloads('client', '10.0.0.11', 'who.txt', 1)), ['r1']);
  });

  it('succeeds 10/10 through the VIP with -p 360, all from one realserver', async () => {
    await ipvsadmRestore('d', fwmarkService(' -p 360'));

    const got = contents(await ftpDownloads('client', VIP, 'who.txt', 10));

    assert.equal(new Set(got).size, 1, `expected one realserver for all, got ${JSON.stringify(got)}`);
    assert.ok(got[0] === 'r1' || got[0] === 'r2', `downloads failed: ${JSON.stringify(got)}`);
  });

  it('fails every transfer without persistence: the data connection lands on the other realserver', async () => {
    await ipvsadmRestore('d', fwmarkService(''));

    const results = await ftpDownloads('client', VIP, 'who.txt', 4, { timeoutMs: 3000 });

    // The control connection and login work; only the passive data connection fails.
    assert.deepEqual(results.map((result) => (result.ok ? 'ok' : result.stage)), ['transfer', 'transfer', 'transfer', 'transfer'], JSON.stringify(contents(results)));
  });
});
