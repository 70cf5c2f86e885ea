import { strict as assert } from 'node:assert';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { chainLine, FakeMarks } from '../../../agent/kernel/fake/marks';
import type { IpvsOperation } from '../../../lvs/operations';
import type { Destination, ServiceKey } from '../../../lvs/model';
import { pauseCount } from '../../../lvs/yield-point';

const key: ServiceKey = { kind: 'tcp', vip: '10.0.0.100', port: 80 };
const d = (address: string): Destination => ({ address, port: 80, weight: 1, forwarding: 'dr' });
const addWeb: IpvsOperation = { op: 'add-service', service: { key, scheduler: 'rr', flags: [] } };

describe('fake IPVS kernel', () => {
  it('returns destinations sorted, whatever order they were added in', async () => {
    const ipvs = new FakeIpvs();
    await ipvs.applyBatch([addWeb, { op: 'add-destination', key, destination: d('10.0.0.12') }, { op: 'add-destination', key, destination: d('10.0.0.11') }]);
    const [web] = (await ipvs.read()).services;
    assert.deepEqual(web.destinations.map((x) => x.address), ['10.0.0.11', '10.0.0.12']);
  });

  it('like ipvsadm -R, goes on past a refused line: every other line takes effect, the batch fails', async () => {
    const ipvs = new FakeIpvs();
    ipvs.failNextBatchAt(3);
    const batch: IpvsOperation[] = [addWeb, ...['10.0.0.11', '10.0.0.12', '10.0.0.13'].map((a) => ({ op: 'add-destination' as const, key, destination: d(a) }))];
    await assert.rejects(ipvs.applyBatch(batch), /line 3: Memory allocation problem/);
    assert.deepEqual(ipvs.snapshot()[0].destinations.map((x) => x.address), ['10.0.0.11', '10.0.0.13']);
  });

  it('refuses what the kernel refuses, with its wording, at that line, and lines that needed it fail too', async () => {
    const ipvs = new FakeIpvs();
    const other: ServiceKey = { kind: 'tcp', vip: '10.0.0.100', port: 81 };
    const badScheduler: IpvsOperation = { op: 'add-service', service: { key: other, scheduler: 'rr', flags: [] } };
    ipvs.failNextBatchAt(2, 'Scheduler or persistence engine not found');
    await assert.rejects(
      ipvs.applyBatch([addWeb, badScheduler, { op: 'add-destination', key: other, destination: d('10.0.0.11') }]),
      /line 2: Scheduler or persistence engine not found; line 3: tcp 10\.0\.0\.100:81: Service not defined/,
    );
    await assert.rejects(ipvs.applyBatch([addWeb]), /line 1: tcp 10\.0\.0\.100:80: Service already exists/);
    await assert.rejects(ipvs.applyBatch([{ op: 'delete-destination', key, destination: d('10.0.0.99') }]), /No such destination/);
    assert.equal(ipvs.snapshot().length, 1);
  });

  it('can report a read-back that differs from the table, once', async () => {
    const ipvs = new FakeIpvs();
    await ipvs.applyBatch([addWeb]);
    ipvs.misreportNextRead(() => []);
    assert.deepEqual((await ipvs.read()).services, []);
    assert.equal((await ipvs.read()).services.length, 1);
  });

  it('renders a big /proc/net/ip_vs listing in slices, the same text as at once, letting timers run meanwhile', async () => {
    const services = 5_000;
    const ipvs = new FakeIpvs(Array.from({ length: services }, (_, i) => ({
      service: { key: { kind: 'tcp' as const, vip: `10.1.${i >> 8}.${i & 255}`, port: 80 }, scheduler: 'wlc' as const, flags: [] },
      destinations: Array.from({ length: 10 }, (_, r) => d(`172.16.${i >> 8}.${(i * 10 + r) & 255}`)),
    })));
    const pausesBefore = pauseCount();
    const pieces = await ipvs.renderProcListing();
    // in pieces of whole lines, as the agent reads the kernel's file
    assert.ok(pieces.length > 1 && pieces.every((piece) => piece.endsWith('\n')), `pieces of whole lines, got ${pieces.length}`);
    const sliced = pieces.join('');
    assert.equal(sliced, ipvs.procListing());
    assert.equal(sliced.split('\n').length, 3 + services * 11 + 1);
    // 55,000 lines take far more than one 20 ms slice: a rendering that never paused would leave this at 0
    assert.ok(pauseCount() > pausesBefore, 'the rendering never gave the event loop its turn');
  });

  it('a read returns a copy: changing it does not change the kernel', async () => {
    const ipvs = new FakeIpvs();
    await ipvs.applyBatch([addWeb]);
    (await ipvs.read()).services[0].service.scheduler = 'wlc';
    assert.equal(ipvs.snapshot()[0].service.scheduler, 'rr');
  });
});

describe('fake mark table', () => {
  const rule = { mark: 1, protocol: 'tcp' as const, destination: '10.0.0.100', ports: ['80', '443'] };

  it('a failing swap changes nothing (iptables-restore commits all or nothing)', async () => {
    const marks = new FakeMarks({ owned: [rule] });
    marks.failNextReplace();
    await assert.rejects(marks.replaceOwnedChain([]));
    assert.deepEqual(marks.snapshot().owned, [rule]);
  });

  it('a swap creates the chain and its jump; a removal takes both away and keeps foreign rules', async () => {
    const foreign = { ...rule, mark: 9 };
    const marks = new FakeMarks({ foreign: [foreign] });
    await marks.replaceOwnedChain([rule]);
    assert.deepEqual({ ...(await marks.read()), foreign: [] }, { chainExists: true, jumpPresent: true, jumpCount: 1, chain: [chainLine(rule)], owned: [rule], foreign: [], unparsed: [], foreignUnparsed: [], references: [] });
    await marks.removeOwnedChain();
    const after = await marks.read();
    assert.equal(after.chainExists || after.jumpPresent, false);
    assert.deepEqual(after.foreign, [foreign]);
  });
});
