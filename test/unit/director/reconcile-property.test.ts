import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { applyIpvsOperations, findService, projectionSteps, sameService } from '../../../agent/director/ipvs-table';
import { ownedSetOf, reconcileIpvs } from '../../../agent/director/reconcile';
import { runToEnd } from '../../../lvs/yield-point';
import { serviceKeyString } from '../../../lvs/model';
import { ipvsTable, serviceKey } from './arbitraries';

describe('reconcileIpvs, for any desired table, kernel table and owned set', () => {
  it('gives operations the kernel accepts, after which the plan holds, owned leftovers are gone and the rest is untouched', () => {
    fc.assert(
      fc.property(ipvsTable, ipvsTable, fc.uniqueArray(serviceKey, { selector: serviceKeyString }), (desired, actual, ownedKeys) => {
        const owned = ownedSetOf(ownedKeys);
        const { ops, unmanaged } = reconcileIpvs(desired, actual, owned);
        const after = applyIpvsOperations(actual, ops); // throws if the kernel would refuse a line
        for (const want of desired) {
          const got = findService(after, want.service.key);
          assert.ok(got && sameService(want, got), `${serviceKeyString(want.service.key)} holds the plan`);
        }
        for (const have of actual) {
          const key = serviceKeyString(have.service.key);
          if (desired.some((s) => serviceKeyString(s.service.key) === key)) continue;
          if (owned.has(key)) assert.equal(findService(after, have.service.key), undefined, `${key} owned and unplanned is deleted`);
          else assert.deepEqual(findService(after, have.service.key), have, `${key} unmanaged is untouched`);
        }
        assert.equal(unmanaged.length, actual.filter((s) => !owned.has(serviceKeyString(s.service.key)) && !findService(desired, s.service.key)).length);
        assert.deepEqual(reconcileIpvs(desired, after, ownedSetOf(desired.map((s) => s.service.key))).ops, [], 'a second pass changes nothing');
        assert.ok(!ops.some((op, i) => op.op === 'delete-service' && ops.slice(i).some((o) => o.op !== 'delete-service')), 'service deletes come last');
      }),
      { numRuns: 500 },
    );
  });
});

describe('the projection of a batch, with the reconcile\'s index of the kernel table', () => {
  it('gives the same table, in the same order, and the same touched services as the walk of the whole table', () => {
    fc.assert(
      fc.property(ipvsTable, ipvsTable, fc.uniqueArray(serviceKey, { selector: serviceKeyString }), (desired, actual, ownedKeys) => {
        const reconciled = reconcileIpvs(desired, actual, ownedSetOf(ownedKeys));
        const walked = runToEnd(projectionSteps(actual, reconciled.ops));
        const indexed = runToEnd(projectionSteps(actual, reconciled.ops, reconciled.actualByName));
        assert.deepEqual(indexed.services, walked.services);
        assert.deepEqual(new Map([...indexed.touched].sort()), new Map([...walked.touched].sort()));
        // untouched services stay the kernel's own objects
        for (const s of indexed.services) {
          if (!indexed.touched.has(serviceKeyString(s.service.key))) assert.ok(actual.includes(s));
        }
      }),
      { numRuns: 500 },
    );
  });
});
