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
import { ConfirmedIpvs } from '../../agent/kernel/confirmed-ipvs';
import { readProcFilePieces } from '../../agent/kernel/linux/proc-file';
import { IPVS_TABLE_FILE } from '../../lvs/formats/ipvs-proc-table';
import { loadNetlinkSockets, type RawNetlinkSocketFactory } from '../../agent/kernel/linux/netlink-socket';
import type { ListedService } from '../../lvs/ipvs-reading';
import { serviceKeyString, type IpvsService } from '../../lvs/model';
import { addAll, describeIpvsContract } from '../unit/kernel/ipvs-contract';
import { IpvsBatchError } from '../../lvs/formats/ipvs-netlink-errors';
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
/** The agent's door: netlink, remembering the table and checking it against /proc/net/ip_vs. */
const confirmed = (): ConfirmedIpvs => new ConfirmedIpvs({ backend: netlink(), readListing: () => readProcFilePieces(IPVS_TABLE_FILE, 64 * 1024 * 1024) });
const netlink = (parallelDumps?: number): Ipvs =>
  new NetlinkIpvs({ openSocket: sockets(), readConnections: procConnectionsReader(), ...(parallelDumps ? { parallelDumps } : {}) });

/** A table made by hand: persistence with a netmask, fwmark with a scheduler flag, one-packet, IPv6. */
const HAND_MADE = [
  '-A -t 10.0.0.100:80 -s rr -p 360 -M 255.255.255.0',
  '-a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 2',
  '-a -t 10.0.0.100:80 -r 10.0.0.12:80 -i -w 1',
  '-A -f 7 -s sh -b sh-port',
  '-a -f 7 -r 10.0.0.11:0 -m -w 1',
  '-A -u 10.0.0.100:53 -s rr -o',
  '-a -u 10.0.0.100:53 -r 10.0.0.11:53 -g -w 1',
  '-A -t [2001:db8::100]:443 -s wlc -p 300 -M 64',
  '-a -t [2001:db8::100]:443 -r [2001:db8::11]:443 -m -w 4',
];

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

  describeIpvsContract('the remembering door (ConfirmedIpvs over netlink) on the lab kernel', async () => {
    await clear();
    return { ipvs: confirmed(), namesRefusals: true };
  });

  describe('a netlink batch the kernel refuses whole', () => {
    it('maps each of 3,000 refusals back to its operation: every error reply fits the receive buffer, none is dropped', async () => {
      await clear();
      const table: IpvsService[] = Array.from({ length: 300 }, (_, i) => ({
        service: { key: { kind: 'tcp', vip: `10.3.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 80 }, scheduler: 'wlc', flags: [] },
        destinations: Array.from({ length: 10 }, (_, j) => ({ address: `10.2.0.${j + 1}`, port: 80, weight: 1, forwarding: 'dr' as const })),
      }));
      // the destinations without their services: the kernel refuses every one
      const ops = addAll(table).filter((op) => op.op === 'add-destination');
      assert.equal(ops.length, 3000);
      const error = await netlink().applyBatch(ops).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof IpvsBatchError, String(error));
      assert.equal(error.refusals.length, 3000);
      assert.deepEqual(error.refusals.map((r) => r.index), ops.map((_, i) => i));
      assert.ok(error.refusals.every((r) => r.op === ops[r.index] && /Service not defined|No such service/.test(r.message)), error.refusals[0]?.message);
      assert.deepEqual((await netlink().read()).services, []);
    });
  });

  describe('the remembering door against whole reads', () => {
    beforeEach(clear);

    it('reads what ipvsadm changed by hand, one service at a time, and equals a whole netlink read after each change', async () => {
      await restore(HAND_MADE);
      await tryRestore('SCTP service', ['-A --sctp-service 10.0.0.100:9000 -s rr']);
      const door = confirmed();
      const check = async (what: string, kind: string, again?: number): Promise<void> => {
        const [remembered, whole] = [await door.read(), await netlink().read()];
        assert.deepEqual(canonicalTable(remembered.services), canonicalTable(whole.services), what);
        assert.deepEqual(remembered.unparsed.map((u) => u.name).sort(), whole.unparsed.map((u) => u.name).sort(), what);
        assert.equal(door.lastRead?.kind, kind, `${what}: ${JSON.stringify(door.lastRead)}`);
        if (again !== undefined) assert.equal(door.lastRead?.servicesReadAgain, again, what);
      };
      await check('first read', 'whole');
      await check('nothing changed', 'remembered', 0);
      await run('ipvsadm', ['-e', '-t', '10.0.0.100:80', '-r', '10.0.0.12:80', '-i', '-w', '0']);
      await check('a weight set by hand', 'partial', 1);
      await run('ipvsadm', ['-e', '-t', '[2001:db8::100]:443', '-r', '[2001:db8::11]:443', '-m', '-w', '9']);
      await check('an IPv6 weight set by hand', 'partial', 1);
      await run('ipvsadm', ['-a', '-f', '7', '-r', '10.0.0.12:0', '-m', '-w', '1']);
      // fwmark 7 names the IPv4 and the IPv6 service alike in the listing: both are read
      await check('a destination added by hand', 'partial', 2);
      await run('ipvsadm', ['-E', '-u', '10.0.0.100:53', '-s', 'wrr']);
      await check('a scheduler changed by hand', 'partial', 1);
      await run('ipvsadm', ['-D', '-t', '10.0.0.100:80']);
      await check('a service deleted by hand', 'partial', 1);
      await run('ipvsadm', ['-A', '-f', '7', '-6', '-s', 'rr']);
      await check('an IPv6 fwmark service beside the IPv4 one', 'partial', 2);
      await run('ipvsadm', ['-A', '-t', '10.0.0.100:8080', '-s', 'rr']);
      await check('a service added by hand', 'whole');
      await door.applyBatch([{ op: 'edit-service', service: { key: { kind: 'fwmark', mark: 7, family: 'inet' }, scheduler: 'sh', flags: ['sh-fallback'] }, before: { key: { kind: 'fwmark', mark: 7, family: 'inet' }, scheduler: 'sh', flags: ['sh-port'] } }]);
      await check('flags (which the listing does not show) written through the door', 'partial', 1);
    });
  });

  describe('netlink and ipvsadm side by side', () => {
    beforeEach(clear);

    it('read the same table, and set aside the same services lvsctl cannot hold, for the same reasons', async () => {
      await restore([...HAND_MADE, '-A -f 2 -6 -s rr', '-a -f 2 -6 -r [2001:db8::11]:0 -g -w 1']);
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
      const door = confirmed();
      await door.read();
      const readRemembered = await timed(() => door.read());
      await door.applyBatch([{ op: 'edit-destination', key: table[7].service.key, destination: { ...table[7].destinations[3], weight: 0 }, before: table[7].destinations[3] }]);
      const readOneChanged = await timed(() => door.read());
      assert.equal(door.lastRead?.kind, 'partial');
      assert.deepEqual(canonicalTable(readOneChanged.value.services), canonicalTable((await netlink().read()).services));
      // an apply's read-back after that read: only the service written, over netlink, no listing
      await door.applyBatch([{ op: 'edit-destination', key: table[8].service.key, destination: { ...table[8].destinations[2], weight: 0 }, before: table[8].destinations[2] }]);
      const readBackOne = await timed(() => door.readWritten());
      assert.deepEqual(door.lastRead, { kind: 'written', servicesReadAgain: 1, servicesFromListing: 0 });
      assert.deepEqual(canonicalTable(readBackOne.value.services), canonicalTable((await netlink().read()).services));
      // 500 services written at once: past the 256 read one by one, they are taken from the listing
      await door.applyBatch(table.slice(0, 500).map((t) => ({ op: 'edit-destination', key: t.service.key, destination: { ...t.destinations[1], weight: 7 }, before: t.destinations[1] })));
      const readManyChanged = await timed(() => door.read());
      assert.deepEqual(door.lastRead, { kind: 'partial', servicesReadAgain: 0, servicesFromListing: 500 });
      assert.deepEqual(canonicalTable(readManyChanged.value.services), canonicalTable((await netlink().read()).services));
      // an apply's read-back of 500 services written, handed the table it expects: those the listing states exactly so
      // (the kernel lists them newest first) come back as the expected objects; one changed by hand after the batch is read
      const written = table.slice(500, 1000);
      const expected = written.map((t) => ({ ...t, destinations: t.destinations.map((d, j) => (j === 1 ? { ...d, weight: 8 } : d)) }));
      await door.applyBatch(written.map((t, i) => ({ op: 'edit-destination', key: t.service.key, destination: expected[i].destinations[1], before: t.destinations[1] })));
      await netlink().applyBatch([{ op: 'edit-destination', key: table[600].service.key, destination: { ...table[600].destinations[4], weight: 9 }, before: table[600].destinations[4] }]);
      const readBackMany = await timed(() => door.readWritten(expected));
      assert.deepEqual(door.lastRead, { kind: 'partial', servicesReadAgain: 0, servicesFromListing: 500 });
      const expectedSet = new Set<IpvsService>(expected);
      const asExpected = readBackMany.value.services.filter((x) => expectedSet.has(x));
      assert.equal(asExpected.length, 499, 'every service written but the one changed by hand is the expected object');
      const byHand = readBackMany.value.services.find((x) => x.service.key.kind === 'tcp' && x.service.key.vip === (table[600].service.key as { vip: string }).vip);
      assert.ok(byHand && !expectedSet.has(byHand) && byHand.destinations.some((d) => d.port === 80 && d.address === table[600].destinations[4].address && d.weight === 9), JSON.stringify(byHand));
      assert.deepEqual(canonicalTable(readBackMany.value.services), canonicalTable((await netlink().read()).services));
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
        `        the remembering door: unchanged table ${s(readRemembered)}; one weight changed ${s(readOneChanged)}; its read-back after one weight written ${s(readBackOne)}; 500 services written ${s(readManyChanged)}; their read-back against the expected table ${s(readBackMany)}`,
      ].join('\n'));
    });
  });
});
