// Both IPVS backends against the real kernel, in the guest's own network namespace (no lab
// cluster uses its IPVS table): the shared Ipvs contract on ipvsadm and on netlink; the two
// reading one table alike, the services lvsctl cannot hold included; and 2,000 services x 10
// destinations loaded in one batch by each, timed (printed, not asserted).
import { strict as assert } from 'node:assert';
import { canonicalTable } from '../unit/kernel/canonical-table';
import { createExec } from '../../agent/kernel/exec';
import type { Ipvs } from '../../agent/kernel/ipvs';
import { LinuxIpvs } from '../../agent/kernel/linux/ipvs';
import { procConnectionsReader } from '../../agent/kernel/linux/ipvs-conn-file';
import { NetlinkIpvs } from '../../agent/kernel/linux/netlink-ipvs';
import { loadNetlinkSockets, type RawNetlinkSocketFactory } from '../../agent/kernel/linux/netlink-socket';
import type { ListedService } from '../../lvs/ipvs-reading';
import { serviceKeyString, type IpvsService } from '../../lvs/model';
import { addAll, describeIpvsContract } from '../unit/kernel/ipvs-contract';
import { loadModule } from './support/kernel-state';
import { LAB_TEST_TIMEOUT_MS, requireLabGuest } from './support/lab-guard';
import { run } from './support/netns';

const exec = createExec({ timeoutMs: 300_000 });

function sockets(): RawNetlinkSocketFactory {
  const factory = loadNetlinkSockets();
  if (factory instanceof Error) throw factory;
  return factory;
}

const ipvsadm = (): Ipvs => new LinuxIpvs(exec);
const netlink = (parallelDumps?: number): Ipvs =>
  new NetlinkIpvs({ openSocket: sockets(), readConnections: procConnectionsReader(), ...(parallelDumps ? { parallelDumps } : {}) });

async function clear(): Promise<void> {
  await run('ipvsadm', ['-C']);
}

async function restore(lines: readonly string[]): Promise<void> {
  const { stderr } = await exec('ipvsadm', ['-R'], { input: lines.join('\n') + '\n' });
  if (stderr.trim() !== '') throw new Error(`ipvsadm -R refused part of its input: ${stderr.trim()}`);
}

/** One hand-made service; false when this kernel or ipvsadm cannot make it (said in the output). */
async function tryRestore(what: string, lines: readonly string[]): Promise<boolean> {
  try {
    await restore(lines);
    return true;
  } catch (error) {
    console.log(`      (no ${what} in this lab: ${(error as Error).message.split('\n')[0]})`);
    return false;
  }
}

function canonicalListing(listing: readonly ListedService[]): unknown {
  return [...listing]
    .map((s) => ({ ...s, service: { ...s.service, flags: [...s.service.flags].sort() }, destinations: [...s.destinations].sort((a, b) => (a.destination.address + a.destination.port < b.destination.address + b.destination.port ? -1 : 1)) }))
    .sort((a, b) => (serviceKeyString(a.service.key) < serviceKeyString(b.service.key) ? -1 : 1));
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

describe('IPVS backends on the real kernel', function () {
  this.timeout(LAB_TEST_TIMEOUT_MS);

  before(async () => {
    requireLabGuest();
    await clear();
  });
  after(clear);

  describeIpvsContract('ipvsadm (LinuxIpvs) on the lab kernel', async () => {
    await clear();
    return { ipvs: ipvsadm(), namesRefusals: false };
  });

  describeIpvsContract('netlink (NetlinkIpvs) on the lab kernel', async () => {
    await clear();
    return { ipvs: netlink(), namesRefusals: true };
  });

  describe('netlink and ipvsadm side by side', () => {
    beforeEach(clear);

    it('read the same table, and set aside the same services lvsctl cannot hold, for the same reasons', async () => {
      await restore([
        '-A -t 10.0.0.100:80 -s rr -p 360 -M 255.255.255.0',
        '-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 2',
        '-a -t 10.0.0.100:80 -r 10.0.0.12:80 -i -w 1',
        '-A -f 7 -s sh -b sh-port',
        '-a -f 7 -r 10.0.0.11:0 -m -w 1',
        '-A -u 10.0.0.100:53 -s rr -o',
        '-a -u 10.0.0.100:53 -r 10.0.0.11:53 -g -w 1',
        '-A -f 2 -6 -s rr',
        '-a -f 2 -6 -r [2001:db8::11]:0 -g -w 1',
        '-A -t [2001:db8::100]:443 -s wlc -p 300 -M 64',
        '-a -t [2001:db8::100]:443 -r [2001:db8::11]:443 -m -w 4',
      ]);
      await tryRestore('SCTP service', ['-A --sctp-service 10.0.0.100:9000 -s rr']);
      await tryRestore('GUE tunnel destination', ['-A -t 10.0.0.100:81 -s rr', '-a -t 10.0.0.100:81 -r 10.0.0.11:81 -i -w 1 --tun-type gue --tun-port 6080']);
      try {
        await loadModule('ip_vs_pe_sip');
        await tryRestore('SIP persistence engine', ['-A -u 10.0.0.100:5060 -s rr -p 300 --pe sip']);
      } catch (error) {
        console.log(`      (no ip_vs_pe_sip module in this lab: ${(error as Error).message.split('\n')[0]})`);
      }

      const [viaNetlink, viaIpvsadm] = [await netlink().read(), await ipvsadm().read()];
      assert.deepEqual(canonicalTable(viaNetlink.services), canonicalTable(viaIpvsadm.services));
      assert.equal(viaNetlink.services.length, 4);
      const aside = (r: typeof viaNetlink): unknown => [...r.unparsed].map(({ name, key, reason }) => ({ name, key, reason })).sort((a, b) => (a.name < b.name ? -1 : 1));
      assert.deepEqual(aside(viaNetlink), aside(viaIpvsadm));
      assert.ok(viaNetlink.unparsed.some((u) => /one-packet/.test(u.reason)), JSON.stringify(viaNetlink.unparsed));
      console.log(`      set aside by both: ${viaNetlink.unparsed.map((u) => `${u.name} (${u.reason}; netlink "${u.line}", ipvsadm "${viaIpvsadm.unparsed.find((v) => v.name === u.name)?.line}")`).join('; ')}`);

      assert.deepEqual(canonicalListing(await netlink().list()), canonicalListing(await ipvsadm().list()));
    });

    it('loads 2,000 services x 10 destinations in one batch each way, and reads them back (times printed)', async function () {
      this.timeout(900_000);
      const table: IpvsService[] = Array.from({ length: 2000 }, (_, i) => ({
        service: { key: { kind: 'tcp', vip: `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 80 }, scheduler: 'wlc', flags: [] },
        // ten realservers behind every VIP (DR keeps the service's port)
        destinations: Array.from({ length: 10 }, (_, j) => ({ address: `10.2.0.${j + 1}`, port: 80, weight: 1 + j, forwarding: 'dr' as const })),
      }));
      const ops = addAll(table);
      const want = canonicalTable(table);

      const loadNetlink = await timed(() => netlink().applyBatch(ops));
      await netlink().read(); // warms the JIT and the caches, so no reading below pays for it
      const best = async (sockets: number): Promise<{ value: Awaited<ReturnType<Ipvs['read']>>; seconds: number }> => {
        const [a, b] = [await timed(() => netlink(sockets).read()), await timed(() => netlink(sockets).read())];
        return a.seconds <= b.seconds ? a : b;
      };
      const readNetlink1 = await best(1);
      const readNetlink = await best(4);
      const readNetlink8 = await best(8);
      const listNetlink = await timed(() => netlink().list());
      const readIpvsadm = await timed(() => ipvsadm().read());
      const listIpvsadm = await timed(() => ipvsadm().list());
      assert.deepEqual(canonicalTable(readNetlink.value.services), want);
      assert.deepEqual(canonicalTable(readIpvsadm.value.services), want);
      assert.equal(listNetlink.value.length, 2000);

      await clear();
      const loadIpvsadm = await timed(() => ipvsadm().applyBatch(ops));
      assert.deepEqual(canonicalTable((await netlink().read()).services), want);

      const s = (t: { seconds: number }): string => `${t.seconds.toFixed(2)} s`;
      console.log([
        `      2,000 services x 10 destinations (${ops.length} operations):`,
        `        load:  netlink one applyBatch ${s(loadNetlink)}; ipvsadm -R ${s(loadIpvsadm)}`,
        `        read:  netlink dump ${s(readNetlink1)} (1 socket), ${s(readNetlink)} (4 sockets), ${s(readNetlink8)} (8 sockets), best of two each; ipvsadm -S -n ${s(readIpvsadm)}`,
        `        list:  netlink ${s(listNetlink)}; ipvsadm -Ln --exact and --stats ${s(listIpvsadm)}`,
      ].join('\n'));
    });
  });
});
