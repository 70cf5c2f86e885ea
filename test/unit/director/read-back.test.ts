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
