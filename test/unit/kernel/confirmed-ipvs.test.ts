// The IPVS door that remembers the table (agent/kernel/confirmed-ipvs.ts), over the in-memory
// fake whose /proc/net/ip_vs rendering is written independently of the door's parser: what it
// reads again and when, and that whatever changes the table (a write through the door, or
// someone else's by hand) every read equals a whole read of the kernel.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ANNOUNCEMENT_LIFETIME_MS, ConfirmedIpvs } from '../../../agent/kernel/confirmed-ipvs';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { procServiceName } from '../../../lvs/formats/ipvs-proc-table';
import type { Destination, IpvsService, ServiceKey } from '../../../lvs/model';
import type { IpvsOperation } from '../../../lvs/operations';
import { canonicalTable } from './canonical-table';
import { addAll, describeIpvsContract } from './ipvs-contract';
import { fuzzParameters } from '../fuzz-runs';

const tcp = (port: number, vip = '10.0.0.100'): ServiceKey => ({ kind: 'tcp', vip, port });
const dest = (address: string, port: number, weight = 1): Destination => ({ address, port, weight, forwarding: 'nat' });
const web = (port: number, weights: number[]): IpvsService => ({
  service: { key: tcp(port), scheduler: 'wlc', flags: [] },
  destinations: weights.map((w, i) => dest(`10.0.0.${11 + i}`, 8000 + i, w)),
});

function door(fake: FakeIpvs, clock = { now: 0 }, options: { maxServicesReadAgain?: number } = {}): ConfirmedIpvs {
  return new ConfirmedIpvs({ backend: fake, readListing: async () => fake.procListing(), now: () => clock.now, ...options });
}

async function sameAsKernel(ipvs: ConfirmedIpvs, fake: FakeIpvs): Promise<void> {
  assert.deepEqual(canonicalTable((await ipvs.read()).services), canonicalTable(fake.snapshot()));
}

describe('ConfirmedIpvs: the IPVS door that reads again only what the kernel lists as changed', () => {
  it('names services as /proc/net/ip_vs does (hex address and port, FWM and the mark)', () => {
    assert.equal(procServiceName(tcp(80, '10.100.1.2')), 'TCP 0A640102:0050');
    assert.equal(procServiceName({ kind: 'udp', vip: '2001:db8::1', port: 53 }), 'UDP [2001:0db8:0000:0000:0000:0000:0000:0001]:0035');
    assert.equal(procServiceName({ kind: 'fwmark', mark: 26, family: 'inet6' }), 'FWM 0000001A');
  });

  it('reads the whole table once, then answers an unchanged table from memory', async () => {
    const fake = new FakeIpvs([web(80, [1, 1]), web(81, [2])]);
    const ipvs = door(fake);
    await sameAsKernel(ipvs, fake);
    assert.equal(ipvs.lastRead?.kind, 'whole');
    await sameAsKernel(ipvs, fake);
    assert.equal(ipvs.lastRead?.kind, 'remembered');
    assert.deepEqual(fake.calls, { read: 1, applyBatch: 0, list: 0, connections: 0, readServices: 0 });
  });

  it('reads again each service a write went through, and only those', async () => {
    const fake = new FakeIpvs([web(80, [1, 1]), web(81, [2]), web(82, [3])]);
    const ipvs = door(fake);
    await ipvs.read();
    await ipvs.applyBatch([{ op: 'edit-destination', key: tcp(81), destination: dest('10.0.0.11', 8000, 7), before: dest('10.0.0.11', 8000, 2) }]);
    await sameAsKernel(ipvs, fake);
    assert.deepEqual(ipvs.lastRead, { kind: 'partial', servicesReadAgain: 1, servicesFromListing: 0 });
    assert.equal(fake.calls.read, 1);
  });

  it('reads back only what its batch wrote, without the listing, after a read that checked the listing; the next read sees the rest', async () => {
    const fake = new FakeIpvs([web(80, [1, 1]), web(81, [2]), web(82, [3])]);
    let listings = 0;
    const ipvs = new ConfirmedIpvs({ backend: fake, readListing: async () => { listings++; return fake.procListing(); }, now: () => 0 });
    await ipvs.read();
    await ipvs.applyBatch([{ op: 'edit-destination', key: tcp(81), destination: dest('10.0.0.11', 8000, 7), before: dest('10.0.0.11', 8000, 2) }]);
    // by hand, after the batch: not what the read-back is for
    await fake.applyBatch([{ op: 'edit-destination', key: tcp(80), destination: dest('10.0.0.11', 8000, 9), before: dest('10.0.0.11', 8000, 1) }]);
    const readServices = fake.readServices.bind(fake);
    const asked: string[][] = [];
    fake.readServices = (keys) => {
      asked.push(keys.map((k) => procServiceName(k)));
      return readServices(keys);
    };
    const back = await ipvs.readWritten();
    assert.deepEqual([listings, asked], [1, [[procServiceName(tcp(81))]]]);
    assert.deepEqual(ipvs.lastRead, { kind: 'written', servicesReadAgain: 1, servicesFromListing: 0 });
    const byPort = (port: number): IpvsService | undefined => back.services.find((s) => s.service.key.kind === 'tcp' && s.service.key.port === port);
    assert.equal(byPort(81)?.destinations[0].weight, 7);
    assert.equal(byPort(80)?.destinations[0].weight, 1, 'the change by hand is not read back');
    // the next read checks the listing: the change by hand, and the service written (its listing lines are older than its read-back)
    await sameAsKernel(ipvs, fake);
    assert.deepEqual(ipvs.lastRead, { kind: 'partial', servicesReadAgain: 2, servicesFromListing: 0 });
    assert.equal(listings, 2);
  });

  it('reads back as read() does when it cannot vouch for the rest: no read before, a failed batch, a second read-back, too many written', async () => {
    const fake = new FakeIpvs([web(80, [1]), web(81, [1]), web(82, [1])]);
    const ipvs = door(fake, { now: 0 }, { maxServicesReadAgain: 1 });
    const weight = (port: number, w: number): IpvsOperation => ({ op: 'edit-destination', key: tcp(port), destination: dest('10.0.0.11', 8000, w), before: dest('10.0.0.11', 8000, 1) });
    const readBack = async (): Promise<string | undefined> => {
      assert.deepEqual(canonicalTable((await ipvs.readWritten()).services), canonicalTable(fake.snapshot()));
      return ipvs.lastRead?.kind;
    };
    await ipvs.applyBatch([weight(80, 2)]);
    assert.equal(await readBack(), 'whole', 'nothing read before');
    await ipvs.applyBatch([weight(81, 5)]);
    assert.equal(await readBack(), 'written');
    assert.equal(await readBack(), 'partial', 'a second read-back checks the listing (and reads 81 again: its lines changed)');
    fake.failNextBatchAt(2);
    await ipvs.applyBatch([weight(80, 3), { op: 'delete-service', service: web(99, []).service }]).catch(() => undefined);
    assert.equal(await readBack(), 'partial', 'the batch failed');
    await ipvs.applyBatch([weight(81, 4), weight(82, 4)]);
    assert.equal(await readBack(), 'partial', 'more written than it reads one by one');
  });

  describe('an apply announced by its rollout\'s hello (checkAhead, readForApply)', () => {
    const weight = (port: number, w: number, before = 1): IpvsOperation => ({ op: 'edit-destination', key: tcp(port), destination: dest('10.0.0.11', 8000, w), before: dest('10.0.0.11', 8000, before) });
    function counted(fake: FakeIpvs, clock = { now: 1_000 }): { ipvs: ConfirmedIpvs; listings: () => number; asked: string[][] } {
      let listings = 0;
      const asked: string[][] = [];
      const readServices = fake.readServices.bind(fake);
      fake.readServices = (keys) => {
        asked.push(keys.map((k) => procServiceName(k)));
        return readServices(keys);
      };
      const ipvs = new ConfirmedIpvs({ backend: fake, readListing: async () => { listings++; return fake.procListing(); }, now: () => clock.now });
      return { ipvs, listings: () => listings, asked };
    }

    it('checks the listing when announced, so the apply\'s read reads no listing and nothing else; a change by hand made before the hello is in it', async () => {
      const fake = new FakeIpvs([web(80, [1, 1]), web(81, [2]), web(82, [3])]);
      const { ipvs, listings, asked } = counted(fake);
      await ipvs.read();
      // by hand, before the rollout's hello
      await fake.applyBatch([weight(81, 9, 2)]);
      ipvs.announceApply();
      await ipvs.checkAhead();
      assert.equal(listings(), 2, 'the check read the listing');
      const reading = await ipvs.readForApply();
      assert.equal(listings(), 2, 'the apply read no listing');
      assert.deepEqual(ipvs.lastRead, { kind: 'ahead', servicesReadAgain: 0, servicesFromListing: 0 });
      assert.deepEqual(canonicalTable(reading.services), canonicalTable(fake.snapshot()), 'the weight set by hand is in the apply\'s table');
      assert.deepEqual(asked, [[procServiceName(tcp(81))]], 'only the service the listing showed changed was read, by the check');
    });

    it('reads again over the backend only what was written between the check and the apply (a health weight), and the read-back only what the batch writes', async () => {
      const fake = new FakeIpvs([web(80, [1, 1]), web(81, [2]), web(82, [3])]);
      const { ipvs, listings, asked } = counted(fake);
      await ipvs.read();
      ipvs.announceApply();
      await ipvs.checkAhead();
      await ipvs.applyBatch([weight(82, 0, 3)]);
      const reading = await ipvs.readForApply();
      assert.deepEqual(ipvs.lastRead, { kind: 'ahead', servicesReadAgain: 1, servicesFromListing: 0 });
      assert.deepEqual(canonicalTable(reading.services), canonicalTable(fake.snapshot()));
      await ipvs.applyBatch([weight(80, 4)]);
      await ipvs.readWritten();
      assert.equal(ipvs.lastRead?.kind, 'written');
      assert.deepEqual([listings(), asked], [2, [[procServiceName(tcp(82))], [procServiceName(tcp(80))]]]);
    });

    it('reads for itself without an announcement, after one that is too old, when a read since it did not check the listing, and at the second apply of one announcement', async () => {
      const fake = new FakeIpvs([web(80, [1]), web(81, [1])]);
      const clock = { now: 1_000 };
      const { ipvs, listings } = counted(fake, clock);
      await ipvs.read();
      await ipvs.readForApply();
      assert.equal(ipvs.lastRead?.kind, 'remembered', 'not announced: the listing is read');
      assert.equal(listings(), 2);

      ipvs.announceApply();
      await ipvs.checkAhead();
      clock.now += ANNOUNCEMENT_LIFETIME_MS + 1;
      await ipvs.readForApply();
      assert.deepEqual([ipvs.lastRead?.kind, listings()], ['remembered', 4], 'announced too long ago');

      ipvs.announceApply();
      await ipvs.readForApply();
      assert.deepEqual([ipvs.lastRead?.kind, listings()], ['remembered', 5], 'announced, but not checked since');

      ipvs.announceApply();
      await ipvs.checkAhead();
      await ipvs.readForApply();
      assert.deepEqual([ipvs.lastRead?.kind, listings()], ['ahead', 6]);
      await ipvs.readForApply();
      assert.deepEqual([ipvs.lastRead?.kind, listings()], ['remembered', 7], 'one check serves one apply');
    });

    it('reads for itself after a batch that failed between the check and the apply, and the check reads nothing when a read since the announcement did', async () => {
      const fake = new FakeIpvs([web(80, [1]), web(81, [1])]);
      const { ipvs, listings } = counted(fake);
      await ipvs.read();
      ipvs.announceApply();
      await ipvs.read();
      await ipvs.checkAhead();
      assert.equal(listings(), 2, 'a read after the announcement is the check');
      fake.failNextBatchAt(2);
      await ipvs.applyBatch([weight(80, 2), weight(81, 3)]).catch(() => undefined);
      const reading = await ipvs.readForApply();
      assert.equal(ipvs.lastRead?.kind, 'partial');
      assert.equal(listings(), 3);
      assert.deepEqual(canonicalTable(reading.services), canonicalTable(fake.snapshot()));
    });
  });

  it('after its own read-backs, sees a listing put back by hand as it was before them (not taken as the one it last checked)', async () => {
    const fake = new FakeIpvs([web(80, [1, 2]), web(81, [1])]);
    const ipvs = door(fake);
    await sameAsKernel(ipvs, fake);
    await ipvs.applyBatch([{ op: 'delete-destination', key: tcp(81), destination: dest('10.0.0.11', 8000) }]);
    await ipvs.readWritten();
    await sameAsKernel(ipvs, fake); // the listing with 81 and no destination
    await ipvs.applyBatch([{ op: 'delete-service', service: web(81, []).service }]);
    await ipvs.readWritten();
    await sameAsKernel(ipvs, fake); // nothing to read again: the memory stands, now for a listing without 81
    // by hand, 81 again without destinations: the listing is byte for byte the one two reads ago
    await fake.applyBatch([{ op: 'add-service', service: web(81, []).service }]);
    await sameAsKernel(ipvs, fake);
  });

  it('sees what someone changed by hand: a weight, a destination, a deleted service; a service it cannot place means a whole read', async () => {
    const fake = new FakeIpvs([web(80, [1, 1]), web(81, [2]), web(82, [3])]);
    const ipvs = door(fake);
    await ipvs.read();
    // straight into the "kernel", as ipvsadm by hand would
    await fake.applyBatch([{ op: 'edit-destination', key: tcp(80), destination: dest('10.0.0.12', 8001, 0), before: dest('10.0.0.12', 8001, 1) }]);
    await sameAsKernel(ipvs, fake);
    assert.deepEqual(ipvs.lastRead, { kind: 'partial', servicesReadAgain: 1, servicesFromListing: 0 });
    await fake.applyBatch([{ op: 'add-destination', key: tcp(82), destination: dest('10.0.0.20', 9000, 1) }, { op: 'delete-service', service: web(81, []).service }]);
    await sameAsKernel(ipvs, fake);
    assert.deepEqual(ipvs.lastRead, { kind: 'partial', servicesReadAgain: 2, servicesFromListing: 0 });
    await fake.applyBatch(addAll([web(90, [1])]));
    await sameAsKernel(ipvs, fake);
    assert.equal(ipvs.lastRead?.kind, 'whole');
  });

  it('catches a change the listing cannot show (scheduler flags) once the memory is older than its age limit', async () => {
    const sh: IpvsService = { service: { key: tcp(80), scheduler: 'sh', flags: [] }, destinations: [dest('10.0.0.11', 80)] };
    const fake = new FakeIpvs([sh]);
    const clock = { now: 0 };
    const ipvs = door(fake, clock);
    await ipvs.read();
    await fake.applyBatch([{ op: 'edit-service', service: { ...sh.service, flags: ['sh-port'] }, before: sh.service }]);
    clock.now = 60_000;
    assert.deepEqual((await ipvs.read()).services[0].service.flags, [], 'the listing shows no flags: still the remembered table');
    clock.now = 5 * 60_000;
    assert.deepEqual((await ipvs.read()).services[0].service.flags, ['sh-port']);
    assert.equal(ipvs.lastRead?.kind, 'whole');
  });

  it('takes many services it wrote itself from the listing, flags as written, and reads the rest as before', async () => {
    const fake = new FakeIpvs([web(80, [1])]);
    const ipvs = door(fake, { now: 0 }, { maxServicesReadAgain: 2 });
    await ipvs.read();
    const sh: IpvsService = { service: { key: tcp(90), scheduler: 'sh', flags: ['sh-port'], persistence: { timeout: 300, netmask: '255.255.255.0' } }, destinations: [dest('10.0.0.11', 90, 3)] };
    await ipvs.applyBatch([...addAll([web(81, [1, 2]), web(82, [0]), sh]), { op: 'delete-service', service: web(80, []).service }]);
    await sameAsKernel(ipvs, fake);
    assert.deepEqual(ipvs.lastRead, { kind: 'partial', servicesReadAgain: 0, servicesFromListing: 4 });
    assert.equal(fake.calls.read, 1);
    // a batch that failed: what took effect is unknown, so those services come over the backend
    fake.failNextBatchAt(1);
    await ipvs.applyBatch(addAll([web(83, [1]), web(84, [1]), web(85, [1])])).catch(() => undefined);
    await sameAsKernel(ipvs, fake);
    // 83 was refused: the listing shows it absent; 84 and 85 are read over the backend
    assert.deepEqual(ipvs.lastRead, { kind: 'partial', servicesReadAgain: 2, servicesFromListing: 1 });
  });

  it('hands a read-back the expected object of each service the listing states exactly so, and reads the others', async () => {
    const fake = new FakeIpvs([web(80, [1])]);
    const ipvs = door(fake, { now: 0 }, { maxServicesReadAgain: 1 });
    await ipvs.read();
    const load = [web(81, [1, 2]), web(82, [3]), web(83, [4])];
    await ipvs.applyBatch(addAll(load));
    // after the batch, by hand (as a kernel that did otherwise would): 82's weight, 83's destination gone
    await fake.applyBatch([
      { op: 'edit-destination', key: tcp(82), destination: dest('10.0.0.11', 8000, 9), before: dest('10.0.0.11', 8000, 3) },
      { op: 'delete-destination', key: tcp(83), destination: dest('10.0.0.11', 8000) },
    ]);
    const expected = structuredClone(load);
    const back = await ipvs.readWritten(expected);
    assert.deepEqual(ipvs.lastRead, { kind: 'partial', servicesReadAgain: 0, servicesFromListing: 3 });
    const byPort = (port: number): IpvsService | undefined => back.services.find((s) => s.service.key.kind === 'tcp' && s.service.key.port === port);
    assert.equal(byPort(81), expected[0], 'stated exactly: the expected object itself');
    assert.notEqual(byPort(82), expected[1]);
    assert.equal(byPort(82)?.destinations[0].weight, 9, 'the kernel\'s weight, not the expected one');
    assert.deepEqual(byPort(83)?.destinations, []);
    assert.deepEqual(canonicalTable(back.services), canonicalTable(fake.snapshot()));
    await sameAsKernel(ipvs, fake);
  });

  it('takes services whose destinations it wrote from the listing, with the flags it had read', async () => {
    const hashed = (port: number): IpvsService => ({ service: { key: tcp(port), scheduler: 'sh', flags: ['sh-fallback', 'sh-port'] }, destinations: [dest('10.0.0.11', port)] });
    const fake = new FakeIpvs([hashed(80), hashed(81), hashed(82)]);
    const ipvs = door(fake, { now: 0 }, { maxServicesReadAgain: 2 });
    await ipvs.read();
    await ipvs.applyBatch([80, 81, 82].map((port): IpvsOperation => ({ op: 'edit-destination', key: tcp(port), destination: dest('10.0.0.11', port, 4), before: dest('10.0.0.11', port) })));
    await sameAsKernel(ipvs, fake);
    assert.deepEqual(ipvs.lastRead, { kind: 'partial', servicesReadAgain: 0, servicesFromListing: 3 });
  });

  it('after a failed batch and a failed re-read, still reads that batch\'s services over the backend (their flags are unknown)', async () => {
    const hashed = (port: number): IpvsService => ({ service: { key: tcp(port), scheduler: 'sh', flags: ['sh-fallback', 'sh-port'] }, destinations: [dest('10.0.0.11', port)] });
    const fake = new FakeIpvs([hashed(80), hashed(81), hashed(82)]);
    const ipvs = door(fake, { now: 0 }, { maxServicesReadAgain: 1 });
    await ipvs.read();
    // the flags of 80 change, then the batch fails: which took effect is unknown
    fake.failNextBatchAt(2);
    await ipvs.applyBatch([
      { op: 'edit-service', service: { ...hashed(80).service, flags: ['sh-port'] }, before: hashed(80).service },
      { op: 'edit-destination', key: tcp(80), destination: dest('10.0.0.11', 80, 2), before: dest('10.0.0.11', 80) },
    ]).catch(() => undefined);
    await ipvs.applyBatch([81, 82].map((port): IpvsOperation => ({ op: 'edit-destination', key: tcp(port), destination: dest('10.0.0.11', port, 4), before: dest('10.0.0.11', port) })));
    const readServices = fake.readServices.bind(fake);
    fake.readServices = async () => {
      fake.readServices = readServices;
      throw new Error('netlink: EINTR');
    };
    await assert.rejects(ipvs.read(), /EINTR/);
    await sameAsKernel(ipvs, fake);
  });

  it('reads the whole table when more services changed than it would read one by one', async () => {
    const fake = new FakeIpvs([web(80, [1]), web(81, [1]), web(82, [1])]);
    const ipvs = door(fake, { now: 0 }, { maxServicesReadAgain: 2 });
    await ipvs.read();
    await fake.applyBatch([80, 81, 82].map((port): IpvsOperation => ({ op: 'edit-destination', key: tcp(port), destination: dest('10.0.0.11', 8000, 9), before: dest('10.0.0.11', 8000, 1) })));
    await sameAsKernel(ipvs, fake);
    assert.equal(ipvs.lastRead?.kind, 'whole');
  });

  it('reads both fwmark families again when their shared listing name changed', async () => {
    const v4: IpvsService = { service: { key: { kind: 'fwmark', mark: 1, family: 'inet' }, scheduler: 'rr', flags: [] }, destinations: [dest('10.0.0.11', 0)] };
    const fake = new FakeIpvs([v4]);
    const ipvs = door(fake);
    await ipvs.read();
    await fake.applyBatch(addAll([{ service: { key: { kind: 'fwmark', mark: 1, family: 'inet6' }, scheduler: 'rr', flags: [] }, destinations: [dest('2001:db8::11', 0)] }]));
    await sameAsKernel(ipvs, fake);
    assert.equal(fake.calls.read, 1, 'both read one by one, no whole read');
  });

  it('over a backend that cannot read a service alone (ipvsadm), reads it whole and never the listing', async () => {
    const fake = new FakeIpvs([web(80, [1])]);
    const ipvsadmLike = { read: () => fake.read(), list: () => fake.list(), connections: () => fake.connections(), applyBatch: (ops: IpvsOperation[]) => fake.applyBatch(ops) };
    let listings = 0;
    const ipvs = new ConfirmedIpvs({ backend: ipvsadmLike, readListing: async () => { listings++; return fake.procListing(); } });
    await ipvs.read();
    await ipvs.read();
    assert.deepEqual([fake.calls.read, listings, ipvs.lastRead?.kind], [2, 0, 'whole']);
  });

  it('without a listing to read, asks the backend for the whole table every time', async () => {
    const fake = new FakeIpvs([web(80, [1])]);
    const ipvs = new ConfirmedIpvs({ backend: fake, readListing: () => Promise.reject(new Error('ENOENT')) });
    await ipvs.read();
    await ipvs.read();
    assert.equal(fake.calls.read, 2);
  });

  it('equals a whole read after any mix of its own writes and changes by hand (property)', async () => {
    const port = fc.integer({ min: 80, max: 84 });
    const address = fc.integer({ min: 11, max: 14 }).map((n) => `10.0.0.${n}`);
    const change = fc.record({
      byHand: fc.boolean(),
      port,
      kind: fc.constantFrom('add-service', 'delete-service', 'edit-service', 'add-destination', 'edit-destination', 'delete-destination'),
      address,
      weight: fc.integer({ min: 0, max: 5 }),
      persistent: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(change, { maxLength: 12 }), fc.constantFrom(0, 1, 256), fc.boolean(), async (changes, maxServicesReadAgain, expectOtherwise) => {
        const fake = new FakeIpvs([web(80, [1, 2]), web(81, [1])]);
        const ipvs = door(fake, { now: 0 }, { maxServicesReadAgain });
        await sameAsKernel(ipvs, fake);
        for (const c of changes) {
          const service = { key: tcp(c.port), scheduler: 'wlc' as const, flags: [], ...(c.persistent ? { persistence: { timeout: 300 } } : {}) };
          const d = { address: c.address, port: 8000, weight: c.weight, forwarding: 'nat' as const };
          const op: IpvsOperation =
            c.kind === 'add-service' || c.kind === 'delete-service' ? { op: c.kind, service }
              : c.kind === 'edit-service' ? { op: 'edit-service', service, before: service }
                : c.kind === 'edit-destination' ? { op: 'edit-destination', key: service.key, destination: d, before: d }
                  : { op: c.kind, key: service.key, destination: d };
          // a refused operation (already there, not there) is part of the game
          await (c.byHand ? fake : ipvs).applyBatch([op]).catch(() => undefined);
          if (!c.byHand) {
            // the read-back holds the service written as the kernel does, whatever the caller expected
            const expected = fake.snapshot().map((s) => (expectOtherwise ? { ...s, destinations: s.destinations.map((d) => ({ ...d, weight: d.weight + 1 })) } : s));
            const back = (await ipvs.readWritten(expected)).services.filter((s) => s.service.key.kind === 'tcp' && s.service.key.port === c.port);
            assert.deepEqual(canonicalTable(back), canonicalTable(fake.snapshot().filter((s) => s.service.key.kind === 'tcp' && s.service.key.port === c.port)));
          }
          await sameAsKernel(ipvs, fake);
        }
      }),
      fuzzParameters(200),
    );
  });
});

describeIpvsContract('ConfirmedIpvs over FakeIpvs', async () => {
  const fake = new FakeIpvs();
  return { ipvs: door(fake), namesRefusals: true };
});
