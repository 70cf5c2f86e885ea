import { strict as assert } from 'node:assert';
import { silentLogger } from '../../../agent/logging';
import { IpvsWriter } from '../../../agent/kernel/ipvs-writer';
import * as path from 'node:path';
import fc from 'fast-check';
import { createDirectorApplier } from '../../../agent/director/applier';
import { FakeIpvs } from '../../../agent/kernel/fake/ipvs';
import { FakeMarks } from '../../../agent/kernel/fake/marks';
import { readOwnership } from '../../../agent/state/ownership';
import { ipvsTable } from './arbitraries';
import { directorPlan } from './builders';
import { tempDir } from '../../temp-dirs';

describe('director applier, for any applied plan, any next plan and any failing line', () => {
  it('leaves the kernel and the ownership record exactly as they were', async function () {
    this.timeout(30_000);
    const root = await tempDir('lvsctl-prop-');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(ipvsTable, ipvsTable, fc.integer({ min: 1, max: 30 }), async (first, next, failingLine) => {
        const stateDir = path.join(root, String(run++));
        const ipvs = new FakeIpvs();
        const applier = createDirectorApplier({ stateDir, logger: silentLogger(), kernel: { ipvs: new IpvsWriter(ipvs), marks: new FakeMarks() } });
        const firstResult = await applier.apply(directorPlan(first), 'apply', () => undefined);
        assert.notEqual(firstResult.outcome, 'failed', firstResult.message);
        const before = ipvs.snapshot();
        const ownedBefore = await readOwnership(stateDir);

        ipvs.failNextBatchAt(failingLine);
        const batchesBefore = ipvs.batches.length;
        const result = await applier.apply(directorPlan(next, [], 2), 'apply', () => undefined);
        const batch = ipvs.batches[batchesBefore] ?? [];
        if (batch.length >= failingLine) {
          assert.equal(result.outcome, 'failed');
          assert.match(result.rollback ?? '', /^restored the snapshot/);
          assert.deepEqual(ipvs.snapshot(), before);
          assert.deepEqual(await readOwnership(stateDir), ownedBefore);
        } else {
          assert.notEqual(result.outcome, 'failed', result.message);
        }
      }),
      { numRuns: 100 },
    );
  });
});
