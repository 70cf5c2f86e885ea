// Whatever the input, validatePlan answers with problems; it never throws.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { validatePlan } from '../../../controller/plan/validate';
import { basePlan, fixture, mutate, type Json, type JsonObject } from './helpers';

function assertAnswers(input: unknown): void {
  const result = validatePlan(input);
  if (result.ok) assert.deepEqual(result.problems, []);
  else assert.ok(result.problems.length > 0, 'refused without a problem');
  for (const p of [...result.problems, ...result.warnings]) {
    assert.equal(typeof p.message, 'string');
    assert.ok(p.pointer === '' || p.pointer.startsWith('/'), `bad pointer ${p.pointer}`);
  }
}

const jsonValue = fc.jsonValue() as fc.Arbitrary<Json>;
const nearValue: fc.Arbitrary<Json> = fc.oneof(
  jsonValue,
  fc.constantFrom<Json>(0, -1, 65536, 2 ** 32, 1.5, '', '80', '0:0', '9:3', '70000', '10.0.0.300', '::', 'rr', 'sh', 'nat', 'tcp', 'web1', 'lvs1', [], {}, null),
);

describe('validatePlan on any input', () => {
  it('never throws on random JSON values', () => {
    fc.assert(fc.property(jsonValue, (value) => assertAnswers(value)), { numRuns: 300 });
  });

  it('never throws on near-valid plans (one value replaced anywhere)', () => {
    const seeds: JsonObject[] = [basePlan(), fixture('shop.json'), fixture('ftp.json'), fixture('ipv6.json')];
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), nearValue, (seed, path, value) => {
        assertAnswers(mutate(seed, path, value));
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws when several values are replaced at once', () => {
    const seed = fixture('shop.json');
    const edit = fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), nearValue);
    fc.assert(
      fc.property(fc.array(edit, { minLength: 2, maxLength: 5 }), (edits) => {
        assertAnswers(edits.reduce<Json>((plan, [path, value]) => mutate(plan, path, value), seed));
      }),
      { numRuns: 500 },
    );
  });
});
