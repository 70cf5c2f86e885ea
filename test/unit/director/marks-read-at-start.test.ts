import { strict as assert } from 'node:assert';
import { chainLine, FakeMarks } from '../../../agent/kernel/fake/marks';
import { MarksReadAtStart } from '../../../agent/kernel/marks-read-at-start';
import type { MarkState } from '../../../lvs/mark-state';
import { dest, directorPlan, fwmark, markRule, service, table, tcp } from './builders';
import { directorRig } from './rig';

const web = table([service(tcp(80)), [dest('10.0.0.11')]]);
const shopRule = markRule(1, ['80', '443']);

/** A rig whose mangle door took its reading at start (as agent/start.ts does), and that door. */
async function startedRig(marks = new FakeMarks(), failures: unknown[] = []) {
  let door: MarksReadAtStart | undefined;
  const r = await directorRig({
    marks,
    marksDoor: (fake) => {
      door = new MarksReadAtStart(fake);
      door.start((error) => failures.push(error));
      return door;
    },
  });
  return { r, door: door as MarksReadAtStart };
}

describe('the mangle table read as the agent starts', () => {
  it('serves the first apply when no mark can matter: no read of its own, none after', async () => {
    const { r } = await startedRig();
    assert.equal(r.marks.calls.read, 1, 'the reading at start');
    assert.equal((await r.run(directorPlan(web, [], 1))).result.outcome, 'changed');
    assert.equal(r.marks.calls.read, 1, 'the first apply used it');
    await r.run(directorPlan(web, [], 2));
    assert.equal(r.marks.calls.read, 1);
  });

  it('is waited for when still under way, then used', async () => {
    const fake = new FakeMarks();
    let finish: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { finish = resolve; });
    const slow = Object.assign(Object.create(fake) as FakeMarks, {
      read: async (): Promise<MarkState> => { await gate; return fake.read(); },
    });
    const door = new MarksReadAtStart(slow);
    door.start(() => undefined);
    const r = await directorRig({ marks: fake, marksDoor: () => door });
    const applying = r.run(directorPlan(web, [], 1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(fake.calls.read, 0, 'nothing read while the reading at start is under way');
    finish();
    assert.equal((await applying).result.outcome, 'changed');
    assert.equal(fake.calls.read, 1, 'that one reading, and no other');
  });

  it('a failed reading is as if never taken: the first apply reads itself, and the failure is told', async () => {
    const fake = new FakeMarks();
    fake.failNextRead('iptables-legacy-save: the xtables lock is held');
    const failures: unknown[] = [];
    const { r } = await startedRig(fake, failures);
    await Promise.resolve();
    const { result } = await r.run(directorPlan(web, [], 1));
    assert.equal(result.outcome, 'changed');
    assert.equal(failures.length, 1);
    assert.match(String(failures[0]), /xtables lock/);
    assert.equal(r.marks.calls.read, 2, 'the failed one, then the apply\'s own');
  });

  it('a chain left from before, seen at start, is read again and removed (what is removed is what is there)', async () => {
    const leftover = new FakeMarks({ chain: [chainLine(shopRule)] });
    const { r } = await startedRig(leftover);
    // changed by hand between the start and the first apply: a second jump
    await leftover.restoreChain({ ...leftover.snapshot(), jumpCount: 2 });
    const { result, events } = await r.run(directorPlan(web, [], 1));
    assert.equal(result.outcome, 'changed', JSON.stringify(events));
    assert.equal(leftover.calls.read, 3, 'at start, again for the apply, and the read-back of the removal');
    assert.deepEqual([leftover.snapshot().chainExists, leftover.snapshot().jumpCount], [false, 0]);
  });

  it('is not used when a mark can matter: the plan\'s chain is read as it is now', async () => {
    const { r } = await startedRig();
    await r.run(directorPlan(table([service(fwmark(1)), [dest('10.0.0.11', { port: 0 })]]), [shopRule], 1));
    assert.equal(r.marks.calls.read, 3, 'at start, then for the plan, then the read-back of the swap');
    assert.deepEqual(r.marks.snapshot().chain, [chainLine(shopRule)]);
  });

  it('is handed out once, and never after a write through the door', async () => {
    const fake = new FakeMarks();
    const door = new MarksReadAtStart(fake);
    assert.equal(await door.readingAtStart(), undefined, 'never started');
    door.start(() => undefined);
    door.start(() => undefined);
    assert.equal(fake.calls.read, 1, 'started once');
    assert.deepEqual(await door.readingAtStart(), fake.snapshot());
    assert.equal(await door.readingAtStart(), undefined, 'once');
    const written = new MarksReadAtStart(new FakeMarks());
    written.start(() => undefined);
    await written.replaceOwnedChain([shopRule]);
    assert.equal(await written.readingAtStart(), undefined, 'stale after a write');
  });
});
