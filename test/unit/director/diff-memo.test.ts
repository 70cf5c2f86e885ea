// A re-apply compares only what moved (plan-changes.ts DiffMemo, reconcile.ts KnownEqual): the
// same plan service objects (as the agent's decoder hands them out for unchanged bytes) and the
// door's remembered kernel objects are taken as equal when they were found so before. What
// changed on either side is still compared and put right.
import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfirmedIpvs } from '../../../agent/kernel/confirmed-ipvs';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../../agent/kernel/fake/marks';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import { createDirectorApplier } from '../../../agent/director/applier';
import { KnownEqual, reconcileIpvs, reconcileIpvsSteps } from '../../../agent/director/reconcile';
import { runToEnd } from '../../../lvs/yield-point';
import type { DirectorPlan } from '../../../lvs/host-plan';
import { dest, directorPlan, service, table, tcp } from './builders';
import { silent } from './rig';

describe('the diff of a re-apply compares only what moved', () => {
  it('reconcile: a pair found equal is skipped next time; another object is compared', () => {
    const want = table([service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12')]]);
    const have = table([service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12')]]);
    const known = new KnownEqual();
    assert.deepEqual(runToEnd(reconcileIpvsSteps(want, have, new Set(['tcp|10.0.0.100|80']), known)).ops, []);
    assert.ok(known.has(have[0], want[0]), 'the equal pair is remembered');
    // the kernel's service read again (another object) with a weight changed by hand: compared, put right
    const changed = table([service(tcp(80)), [dest('10.0.0.11', { weight: 7 }), dest('10.0.0.12')]]);
    const ops = runToEnd(reconcileIpvsSteps(want, changed, new Set(['tcp|10.0.0.100|80']), known)).ops;
    assert.deepEqual(ops.map((o) => o.op), ['edit-destination']);
    assert.deepEqual(ops, reconcileIpvs(want, changed, new Set(['tcp|10.0.0.100|80'])).ops, 'the same operations as without the memo');
  });

  it('after a batch, learns the touched services read back equal, whether they hold the desired key object or only its name', () => {
    const desired = table(
      [service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12')]],
      [service(tcp(81)), [dest('10.0.0.11', { port: 81 })]],
      [service(tcp(82)), [dest('10.0.0.13', { port: 82 })]],
      [service(tcp(83)), [dest('10.0.0.14', { port: 83 })]],
    );
    const readBack = [
      // as projected: the desired service's own key object, a list of its own
      { service: desired[0].service, destinations: [...desired[0].destinations] },
      // as read from the kernel: equal, another key object
      table([service(tcp(81)), [dest('10.0.0.11', { port: 81 })]])[0],
      // touched, but the kernel holds another weight
      table([service(tcp(82)), [dest('10.0.0.13', { port: 82, weight: 5 })]])[0],
      // equal, but not touched by the batch
      table([service(tcp(83)), [dest('10.0.0.14', { port: 83 })]])[0],
    ];
    const known = new KnownEqual();
    runToEnd(known.learnSteps(desired, readBack, [desired[0].service.key, tcp(81), desired[2].service.key]));
    assert.deepEqual(readBack.map((have, i) => known.has(have, desired[i])), [true, true, false, false]);
  });

  it('an applier over the remembering door: a no-op, then a weight changed by hand is put right, then a plan change applied', async () => {
    const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'lvsctl-diff-memo-'));
    try {
      const fake = new FakeIpvs();
      const door = new ConfirmedIpvs({ backend: fake, readListing: async () => fake.procListing(), now: () => 0 });
      const applier = createDirectorApplier({ stateDir, logger: silent, kernel: { ipvs: new IpvsWriter(door), marks: new FakeMarks() } });
      const run = async (plan: DirectorPlan) => applier.apply(plan, 'apply', () => undefined);
      const plan = directorPlan(table(
        [service(tcp(80)), [dest('10.0.0.11'), dest('10.0.0.12')]],
        [service(tcp(81)), [dest('10.0.0.11', { port: 81 })]],
      ));
      assert.equal((await run(plan)).outcome, 'changed');
      assert.equal((await run(plan)).outcome, 'ok', 'the same plan objects again: nothing to do');
      // by hand, straight into the "kernel": the door re-reads that service, the diff compares it
      await fake.applyBatch([{ op: 'edit-destination', key: tcp(80), destination: dest('10.0.0.12', { weight: 9 }), before: dest('10.0.0.12') }]);
      const repaired = await run(plan);
      assert.equal(repaired.outcome, 'changed');
      assert.equal(repaired.changed, 1);
      assert.equal(fake.snapshot().find((s) => s.service.key.kind === 'tcp' && s.service.key.port === 80)?.destinations[1].weight, 1);
      assert.equal((await run(plan)).outcome, 'ok');
      // a new plan whose one service is a new object: that one is compared and changed
      const next: DirectorPlan = { ...plan, generation: 2, services: [plan.services[0], { ...plan.services[1], realservers: [{ host: 'rs', destination: dest('10.0.0.11', { port: 81, weight: 4 }) }] }] };
      const applied = await run(next);
      assert.equal(applied.outcome, 'changed');
      assert.equal(applied.changed, 1);
      assert.equal(fake.snapshot().find((s) => s.service.key.kind === 'tcp' && s.service.key.port === 81)?.destinations[0].weight, 4);
    } finally {
      await fs.rm(stateDir, { recursive: true, force: true });
    }
  });
});
