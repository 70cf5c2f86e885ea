// The contract every `Ipvs` (agent/kernel/ipvs.ts) must keep, as one suite: the host suite
// runs it on the in-memory FakeIpvs and on the netlink backend over a fake netlink kernel
// (ipvs-contract.test.ts); the lab runs it on ipvsadm and on netlink against the real
// kernel (test/lab/ipvs-backends.test.ts). Each test starts from an empty table.
import { strict as assert } from 'node:assert';
import type { Ipvs } from '../../../agent/kernel/ipvs';
import { canonicalTable } from './canonical-table';
import type { Destination, IpvsService, ServiceKey, VirtualService } from '../../../lvs/model';
import type { IpvsOperation } from '../../../lvs/operations';

export interface ContractSubject {
  ipvs: Ipvs;
  /** whether its batch error names each refused operation's service (ipvsadm -R's stderr does not) */
  namesRefusals: boolean;
}

const tcp = (port: number, vip = '10.0.0.100'): ServiceKey => ({ kind: 'tcp', vip, port });
const dest = (address: string, port: number, weight = 1, forwarding: Destination['forwarding'] = 'dr'): Destination => ({ address, port, weight, forwarding });

/** One service of each kind the model holds, with destinations of each forwarding method. */
export const CONTRACT_TABLE: IpvsService[] = [
  {
    service: { key: tcp(80), scheduler: 'rr', flags: [] },
    destinations: [dest('10.0.0.11', 80, 1, 'dr'), dest('10.0.0.12', 80, 3, 'nat'), dest('10.0.0.13', 80, 0, 'tun')],
  },
  { service: { key: { kind: 'udp', vip: '10.0.0.100', port: 53 }, scheduler: 'wrr', flags: [] }, destinations: [dest('10.0.0.11', 53, 2)] },
  {
    service: { key: { kind: 'fwmark', mark: 1, family: 'inet' }, scheduler: 'rr', flags: [], persistence: { timeout: 360 } },
    destinations: [dest('10.0.0.11', 0), dest('10.0.0.12', 0, 5)],
  },
  {
    service: { key: tcp(443), scheduler: 'wlc', flags: [], persistence: { timeout: 600, netmask: '255.255.255.0' } },
    destinations: [dest('10.0.0.11', 443), dest('10.0.0.12', 443)],
  },
  { service: { key: tcp(0), scheduler: 'wlc', flags: [], persistence: { timeout: 300 } }, destinations: [dest('10.0.0.11', 0)] },
  { service: { key: tcp(8080), scheduler: 'sh', flags: ['sh-fallback', 'sh-port'] }, destinations: [dest('10.0.0.11', 8080), dest('10.0.0.12', 8080)] },
  { service: { key: tcp(8081), scheduler: 'mh', flags: ['mh-port'] }, destinations: [dest('10.0.0.11', 8081)] },
];

/** The -A/-a operations that build a table, in ipvsadm -R order. */
export function addAll(table: readonly IpvsService[]): IpvsOperation[] {
  return table.flatMap((s): IpvsOperation[] => [
    { op: 'add-service', service: s.service },
    ...s.destinations.map((d): IpvsOperation => ({ op: 'add-destination', key: s.service.key, destination: d })),
  ]);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the batch to fail');
}

/**
 * The suite. `setup` gives the subject with an empty table (called before each test);
 * `teardown` (optional) runs after each.
 */
export function describeIpvsContract(name: string, setup: () => Promise<ContractSubject>, teardown?: () => Promise<void>): void {
  describe(`Ipvs contract: ${name}`, () => {
    let subject: ContractSubject;
    beforeEach(async () => {
      subject = await setup();
    });
    if (teardown) afterEach(teardown);

    const readTable = async (): Promise<IpvsService[]> => canonicalTable((await subject.ipvs.read()).services);

    it('reads an empty table as empty', async () => {
      const { services, unparsed } = await subject.ipvs.read();
      assert.deepEqual({ services, unparsed }, { services: [], unparsed: [] });
      assert.deepEqual(await subject.ipvs.list(), []);
    });

    it('adds tcp, udp, fwmark, persistent (with netmask), port-0, sh and mh services with dr/nat/tun destinations and reads them back equal', async () => {
      await subject.ipvs.applyBatch(addAll(CONTRACT_TABLE));
      assert.deepEqual(await readTable(), canonicalTable(CONTRACT_TABLE));
    });

    it('edits services and destinations in place', async () => {
      await subject.ipvs.applyBatch(addAll(CONTRACT_TABLE));
      const [web, , mark] = CONTRACT_TABLE;
      const webAfter: VirtualService = { ...web.service, scheduler: 'wlc', persistence: { timeout: 120, netmask: '255.255.0.0' } };
      const markAfter: VirtualService = { ...mark.service, scheduler: 'sh', flags: ['sh-port'], persistence: undefined };
      delete markAfter.persistence;
      await subject.ipvs.applyBatch([
        { op: 'edit-service', service: webAfter, before: web.service },
        { op: 'edit-service', service: markAfter, before: mark.service },
        { op: 'edit-destination', key: web.service.key, destination: dest('10.0.0.12', 80, 7, 'dr'), before: web.destinations[1] },
        { op: 'edit-destination', key: mark.service.key, destination: dest('10.0.0.12', 0, 0), before: mark.destinations[1] },
      ]);
      const table = await readTable();
      const want = canonicalTable([
        { service: webAfter, destinations: [web.destinations[0], dest('10.0.0.12', 80, 7, 'dr'), web.destinations[2]] },
        { service: markAfter, destinations: [mark.destinations[0], dest('10.0.0.12', 0, 0)] },
      ]);
      for (const s of want) assert.deepEqual(table.find((t) => JSON.stringify(t.service.key) === JSON.stringify(s.service.key)), s);
    });

    it('deletes destinations and services', async () => {
      await subject.ipvs.applyBatch(addAll(CONTRACT_TABLE));
      const [web, udp, ...rest] = CONTRACT_TABLE;
      await subject.ipvs.applyBatch([
        { op: 'delete-destination', key: web.service.key, destination: web.destinations[2] },
        { op: 'delete-service', service: udp.service },
      ]);
      assert.deepEqual(await readTable(), canonicalTable([{ service: web.service, destinations: web.destinations.slice(0, 2) }, ...rest]));
    });

    it('goes on past a refused operation: the others take effect, and the error says what was refused', async () => {
      const web = CONTRACT_TABLE[0];
      await subject.ipvs.applyBatch([{ op: 'add-service', service: { key: tcp(81), scheduler: 'rr', flags: [] } }]);
      const error = await rejection(subject.ipvs.applyBatch([
        { op: 'add-service', service: web.service },
        { op: 'add-destination', key: web.service.key, destination: web.destinations[0] },
        { op: 'add-service', service: { key: tcp(81), scheduler: 'wlc', flags: [] } },
        { op: 'add-destination', key: web.service.key, destination: web.destinations[1] },
      ]));
      assert.match(error.message, /Service already exists/);
      if (subject.namesRefusals) assert.match(error.message, /tcp 10\.0\.0\.100:81: Service already exists/);
      assert.doesNotMatch(error.message, /10\.0\.0\.100:80/, 'only the refused operation is named');
      const table = await readTable();
      assert.deepEqual(table.find((s) => s.service.key.kind === 'tcp' && s.service.key.port === 80)?.destinations, canonicalTable([{ ...web, destinations: web.destinations.slice(0, 2) }])[0].destinations);
      assert.equal(table.find((s) => s.service.key.kind === 'tcp' && s.service.key.port === 81)?.service.scheduler, 'rr', 'the refused edit changed nothing');
    });

    it('words each kind of refusal as ipvsadm does', async () => {
      const web = CONTRACT_TABLE[0];
      await subject.ipvs.applyBatch(addAll([web]));
      const cases: Array<[IpvsOperation, RegExp]> = [
        [{ op: 'delete-destination', key: web.service.key, destination: dest('10.0.0.99', 80) }, /No such destination/],
        [{ op: 'edit-service', service: { key: tcp(99), scheduler: 'rr', flags: [] }, before: web.service }, /No such service/],
        [{ op: 'delete-service', service: { key: tcp(99), scheduler: 'rr', flags: [] } }, /No such service/],
        [{ op: 'add-destination', key: tcp(99), destination: dest('10.0.0.11', 99) }, /Service not defined/],
        [{ op: 'add-destination', key: web.service.key, destination: web.destinations[0] }, /Destination already exists/],
      ];
      for (const [op, wording] of cases) assert.match((await rejection(subject.ipvs.applyBatch([op]))).message, wording, op.op);
    });

    it('lists the same table with weights, connection counts and counters', async () => {
      await subject.ipvs.applyBatch(addAll(CONTRACT_TABLE));
      const listed = await subject.ipvs.list();
      assert.deepEqual(canonicalTable(listed.map((s) => ({ service: s.service, destinations: s.destinations.map((d) => d.destination) }))), canonicalTable(CONTRACT_TABLE));
      for (const s of listed) {
        for (const d of s.destinations) {
          assert.ok(d.activeConnections >= 0 && d.inactiveConnections >= 0);
          if (d.stats) assert.ok(Object.values(d.stats).every((n) => Number.isInteger(n) && n >= 0));
        }
        if (s.stats) assert.ok(Object.values(s.stats).every((n) => Number.isInteger(n) && n >= 0));
      }
    });

    it('applies a batch of 1,500 operations', async () => {
      const table: IpvsService[] = Array.from({ length: 250 }, (_, i) => ({
        service: { key: tcp(1000 + i, '10.0.1.1'), scheduler: 'rr', flags: [] },
        destinations: Array.from({ length: 5 }, (_, j) => dest(`10.0.2.${j + 1}`, 1000 + i, j)),
      }));
      await subject.ipvs.applyBatch(addAll(table));
      assert.deepEqual(await readTable(), canonicalTable(table));
    });
  });
}
