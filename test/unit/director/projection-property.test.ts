// The projection (agent/director/ipvs-table.ts) against a plain model of the kernel's table: any
// operations, not only the reconcile's, including the ones the kernel refuses. The projection
// keeps a service the batch adds as a plain list while it only gains destinations, and takes a
// map past ADDED_SCAN_LIMIT (32) of them or at any other change: both forms must give what the
// model gives, and refuse what it refuses with the same words.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { projectionSteps, servicesByKey } from '../../../agent/director/ipvs-table';
import { destinationKeyString, serviceKeyString, type Destination, type IpvsService, type ServiceKey, type VirtualService } from '../../../lvs/model';
import type { IpvsOperation } from '../../../lvs/operations';
import { runToEnd } from '../../../lvs/yield-point';
import { destination, ipvsTable, serviceKey } from './arbitraries';

interface ModelEntry {
  name: string;
  original: IpvsService | undefined;
  service: VirtualService;
  destinations: Destination[];
  touched: boolean;
}

/** The table after the operations, one list walk each; throws the kernel's words (as ipvsadm says them). */
function modelProjection(table: readonly IpvsService[], ops: readonly IpvsOperation[]): { services: IpvsService[]; touched: string[] } {
  const entries: ModelEntry[] = table.map((s) => ({ name: serviceKeyString(s.service.key), original: s, service: s.service, destinations: [...s.destinations], touched: false }));
  const touched: string[] = [];
  for (const op of ops) {
    const name = serviceKeyString('service' in op ? op.service.key : op.key);
    if (!touched.includes(name)) touched.push(name);
    const at = entries.findIndex((e) => e.name === name);
    const entry = entries[at];
    if (op.op === 'add-service') {
      if (entry) throw new Error(`${name}: Service already exists`);
      entries.push({ name, original: undefined, service: op.service, destinations: [], touched: true });
      continue;
    }
    if (op.op === 'edit-service' || op.op === 'delete-service') {
      if (!entry) throw new Error(`${name}: No such service`);
      if (op.op === 'delete-service') entries.splice(at, 1);
      else Object.assign(entry, { service: op.service, touched: true });
      continue;
    }
    if (!entry) throw new Error(`${name}: Service not defined`);
    const id = destinationKeyString(op.destination);
    const index = entry.destinations.findIndex((d) => destinationKeyString(d) === id);
    if (op.op === 'add-destination' && index >= 0) throw new Error(`${name} -> ${id}: Destination already exists`);
    if (op.op !== 'add-destination' && index < 0) throw new Error(`${name} -> ${id}: No such destination`);
    entry.touched = true;
    if (op.op === 'add-destination') entry.destinations.push(op.destination);
    else if (op.op === 'edit-destination') entry.destinations[index] = op.destination;
    else entry.destinations.splice(index, 1);
  }
  return {
    services: entries.map((e) => (e.touched || !e.original ? { service: e.service, destinations: e.destinations } : e.original)),
    touched,
  };
}

function outcome<T>(run: () => T): { value: T } | { error: string } {
  try {
    return { value: run() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const settings = (key: ServiceKey): VirtualService => ({ key, scheduler: 'wlc', flags: [] });

/** One operation on one of `keys`, over the arbitraries' small destination space so that they collide. */
function operation(keys: readonly ServiceKey[]): fc.Arbitrary<IpvsOperation> {
  const key = fc.constantFrom(...keys);
  return fc.oneof(
    key.map((k): IpvsOperation => ({ op: 'add-service', service: settings(k) })),
    key.map((k): IpvsOperation => ({ op: 'edit-service', service: { ...settings(k), scheduler: 'rr' }, before: settings(k) })),
    key.map((k): IpvsOperation => ({ op: 'delete-service', service: settings(k) })),
    fc.tuple(key, destination).map(([k, d]): IpvsOperation => ({ op: 'add-destination', key: k, destination: d })),
    fc.tuple(key, destination).map(([k, d]): IpvsOperation => ({ op: 'edit-destination', key: k, destination: d, before: d })),
    fc.tuple(key, destination).map(([k, d]): IpvsOperation => ({ op: 'delete-destination', key: k, destination: d })),
  );
}

/** A service added with `count` destinations of their own (past the list's limit when over 32), one of them named twice if `repeatAt` is set. */
function bulkAdd(key: ServiceKey, count: number, repeatAt: number | undefined): IpvsOperation[] {
  const added: Destination[] = Array.from({ length: count }, (_, i) => ({ address: `10.1.${i >> 8}.${i & 255}`, port: 80, weight: 1, forwarding: 'nat' }));
  if (repeatAt !== undefined) added.push({ ...added[repeatAt % count], weight: 2 });
  return [{ op: 'add-service', service: settings(key) }, ...added.map((d): IpvsOperation => ({ op: 'add-destination', key, destination: d }))];
}

const batch = ipvsTable.chain((table) => {
  const keys = [...table.map((s) => s.service.key), { kind: 'tcp' as const, vip: '10.0.0.200', port: 80 }];
  return fc.tuple(
    fc.constant(table),
    fc.option(fc.tuple(serviceKey, fc.integer({ min: 1, max: 40 }), fc.option(fc.nat(), { nil: undefined })), { nil: undefined }),
    fc.array(operation(keys), { maxLength: 12 }),
  );
});

describe('the projection of any batch', () => {
  it('gives the model\'s table and touched services, or refuses with the model\'s words, walked or indexed', () => {
    fc.assert(
      fc.property(batch, ([table, bulk, rest]) => {
        const ops = [...(bulk ? bulkAdd(bulk[0], bulk[1], bulk[2]) : []), ...rest];
        const want = outcome(() => modelProjection(table, ops));
        const walked = outcome(() => runToEnd(projectionSteps(table, ops)));
        const indexed = outcome(() => runToEnd(projectionSteps(table, ops, servicesByKey(table))));
        for (const got of [walked, indexed]) {
          if ('error' in want) {
            assert.deepEqual(got, want);
            continue;
          }
          assert.ok('value' in got, `refused: ${'error' in got ? got.error : ''}`);
          assert.deepEqual(got.value.services, want.value.services);
          assert.deepEqual([...got.value.touched.keys()].sort(), [...want.value.touched].sort());
          // what the batch did not touch stays the input's own object
          for (const s of got.value.services) {
            if (!ops.some((op) => serviceKeyString('service' in op ? op.service.key : op.key) === serviceKeyString(s.service.key))) {
              assert.ok(table.includes(s));
            }
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a destination added twice to a service the batch adds, below and past the list\'s limit', () => {
    const key: ServiceKey = { kind: 'tcp', vip: '10.0.0.200', port: 80 };
    for (const count of [3, 32, 33, 40]) {
      assert.throws(
        () => runToEnd(projectionSteps([], bulkAdd(key, count, 1))),
        { message: 'tcp 10.0.0.200:80 -> 10.1.0.1:80: Destination already exists' },
        `${count} destinations`,
      );
      const projected: IpvsService[] = runToEnd(projectionSteps([], bulkAdd(key, count, undefined))).services;
      assert.equal(projected[0].destinations.length, count);
    }
  });
});
