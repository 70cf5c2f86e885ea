// The read-back of a load (more services written than the door reads one by one): the door
// takes them from the kernel's listing, and hands back as the projected objects those it finds
// stated there exactly so. It stays a check of the kernel: a weight or a destination that is
// not as planned after the batch fails the apply, which is rolled back.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfirmedIpvs } from '../../../agent/kernel/confirmed-ipvs';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../../agent/kernel/fake/marks';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import { createDirectorApplier } from '../../../agent/director/applier';
import type { IpvsOperation } from '../../../lvs/operations';
import type { IpvsService } from '../../../lvs/model';
import type { ResultEvent } from '../../../lvs/apply-events';
import { dest, directorPlan, service, table, tcp } from './builders';
import { silent } from './rig';

const plan = directorPlan(table(
  [service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12', { weight: 2 })]],
  [service(tcp(81)), [dest('10.0.0.11', { port: 81 })]],
  [service(tcp(82)), [dest('10.0.0.13', { port: 82, weight: 5 })]],
));

/** An applier over the remembering door, reading at most one service alone (so a 3-service load is taken from the listing). */
async function loadWith(afterBatch?: (fake: FakeIpvs) => Promise<void>): Promise<{ result: ResultEvent; after: IpvsService[]; again: ResultEvent; door: ConfirmedIpvs }> {
  const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lvsctl-read-back-'));
  const fake = new FakeIpvs();
  const door = new ConfirmedIpvs({ backend: fake, readListing: async () => fake.procListing(), now: () => 0, maxServicesReadAgain: 1 });
  const batch = fake.applyBatch.bind(fake);
  let batches = 0;
  fake.applyBatch = async (ops: IpvsOperation[]) => {
    await batch(ops);
    // the kernel doing otherwise than asked, in the apply's first batch only (not its rollback)
    if (++batches === 1) await afterBatch?.(fake);
  };
  const applier = createDirectorApplier({ stateDir, logger: silent, kernel: { ipvs: new IpvsWriter(door), marks: new FakeMarks() } });
  const apply = (): Promise<ResultEvent> => applier.apply(plan, 'apply', () => undefined);
  try {
    const result = await apply();
    const after = fake.snapshot();
    const read = door.lastRead;
    const again = await apply();
    door.lastRead = read;
    return { result, after, again, door };
  } finally {
    await fs.rm(stateDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

describe('the read-back of a load, taken from the kernel\'s listing', () => {
  it('passes when the kernel holds the plan, and the next apply finds nothing to do', async () => {
    const { result, after, again, door } = await loadWith();
    assert.equal(result.outcome, 'changed', result.message);
    assert.deepEqual(door.lastRead, { kind: 'partial', servicesReadAgain: 0, servicesFromListing: 3 }, 'the read-back took the load from the listing');
    assert.equal(after.length, 3);
    assert.equal(again.outcome, 'ok', again.message);
  });

  it('catches a weight the kernel holds otherwise after the batch, and rolls back', async () => {
    const { result, after } = await loadWith((kernel) =>
      kernel.applyBatch([{ op: 'edit-destination', key: tcp(80), destination: dest('10.0.0.12', { weight: 7 }), before: dest('10.0.0.12', { weight: 2 }) }]));
    assert.equal(result.outcome, 'failed');
    assert.match(result.message, /read-back differs from the plan: tcp 10\.0\.0\.100:80: expected destinations \[.*10\.0\.0\.12:80 dr w2.*\], found \[.*10\.0\.0\.12:80 dr w7/);
    assert.match(result.message, /rolled back/);
    assert.deepEqual(after, [], 'rolled back: the table as before');
  });

  it('catches a destination missing after the batch, and rolls back', async () => {
    const { result, after } = await loadWith((kernel) =>
      kernel.applyBatch([{ op: 'delete-destination', key: tcp(82), destination: dest('10.0.0.13', { port: 82 }) }]));
    assert.equal(result.outcome, 'failed');
    assert.match(result.message, /read-back differs from the plan: tcp 10\.0\.0\.100:82: expected destinations \[10\.0\.0\.13:82 dr w5\], found \[\]/);
    assert.deepEqual(after, [], 'rolled back: the table as before');
  });
});

/** A table the read-back must not walk: any look at its services throws. */
function unwalkable(services: IpvsService[]): IpvsService[] {
  return new Proxy(services, {
    get(target, property, receiver) {
      if (property === Symbol.iterator || (typeof property === 'string' && /^\d+$/.test(property))) {
        throw new Error('the read-back walked the whole table');
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

describe('the read-back of one weight changed, read again alone', () => {
  const services = 50;
  const wide = (weightOf: (i: number) => number, generation: number) => directorPlan(
    Array.from({ length: services }, (_, i) => ({ service: service(tcp(8000 + i)), destinations: [dest('10.0.0.11', { weight: weightOf(i) }), dest('10.0.0.12')] })),
    [], generation,
  );

  /** Loads the wide plan, then applies it with service 7's first weight changed; `afterBatch` may change the kernel after that batch. */
  async function changeOneWeight(afterBatch?: (fake: FakeIpvs) => Promise<void>): Promise<{ result: ResultEvent; after: IpvsService[]; reads: Array<string | undefined> }> {
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lvsctl-read-back-'));
    const fake = new FakeIpvs();
    const door = new ConfirmedIpvs({ backend: fake, readListing: async () => fake.procListing(), now: () => 0 });
    const reads: Array<string | undefined> = [];
    const readWritten = door.readWritten.bind(door);
    // what the door answers besides the services it read again is never looked at
    door.readWritten = async (expected) => {
      const reading = await readWritten(expected);
      reads.push(reading.how?.kind);
      return reading.how?.kind === 'written' ? { ...reading, services: unwalkable(reading.services) } : reading;
    };
    const applier = createDirectorApplier({ stateDir, logger: silent, kernel: { ipvs: new IpvsWriter(door), marks: new FakeMarks() } });
    try {
      const load = wide(() => 1, 1);
      assert.equal((await applier.apply(load, 'apply', () => undefined)).outcome, 'changed');
      const changed = wide((i) => (i === 7 ? 5 : 1), 2);
      // the services whose bytes did not change are the same objects, as the agent's decoder hands them out
      changed.services = changed.services.map((s, i) => (i === 7 ? s : load.services[i]));
      const batch = fake.applyBatch.bind(fake);
      let batches = 0;
      fake.applyBatch = async (ops: IpvsOperation[]) => {
        await batch(ops);
        if (++batches === 1) await afterBatch?.(fake);
      };
      door.announceApply();
      await door.checkAhead();
      const result = await applier.apply(changed, 'apply', () => undefined);
      return { result, after: fake.snapshot(), reads };
    } finally {
      await fs.rm(stateDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  it('compares only the service the batch wrote, and applies the weight', async () => {
    const { result, after, reads } = await changeOneWeight();
    assert.equal(result.outcome, 'changed', result.message);
    assert.equal(result.changed, 1);
    assert.equal(reads.at(-1), 'written', 'the read-back read again only what the batch wrote');
    assert.equal(after.find((s) => s.service.key.kind === 'tcp' && s.service.key.port === 8007)?.destinations[0].weight, 5);
  });

  it('still catches that service otherwise than planned after the batch, and rolls back', async () => {
    const { result, after } = await changeOneWeight((kernel) =>
      kernel.applyBatch([{ op: 'edit-destination', key: tcp(8007), destination: dest('10.0.0.12', { weight: 9 }), before: dest('10.0.0.12') }]));
    assert.equal(result.outcome, 'failed');
    assert.match(result.message, /read-back differs from the plan: tcp 10\.0\.0\.100:8007: expected destinations \[10\.0\.0\.11:80 dr w5, 10\.0\.0\.12:80 dr w1\], found \[10\.0\.0\.11:80 dr w5, 10\.0\.0\.12:80 dr w9\]/);
    assert.match(result.message, /rolled back/);
    const service7 = after.find((s) => s.service.key.kind === 'tcp' && s.service.key.port === 8007);
    assert.deepEqual(service7?.destinations.map((d) => d.weight), [1, 1], 'rolled back: the weights as before the apply');
  });
});
