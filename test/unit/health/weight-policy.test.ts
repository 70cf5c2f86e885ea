import assert from 'assert';
import { decideWeights, type WeighedTarget } from '../../../agent/health/weight-policy';

function target(id: string, state: WeighedTarget['state'], plannedWeight = 1, currentWeight = plannedWeight): WeighedTarget {
  return { id, state, plannedWeight, currentWeight };
}

describe('weights from health', () => {
  it('quiesces a down realserver and gives the others their plan weight', () => {
    const d = decideWeights([target('a', 'down'), target('b', 'up', 3), target('c', 'unknown', 2)]);
    assert.deepStrictEqual(Object.fromEntries(d.weights), { a: 0, b: 3, c: 2 });
    assert.strictEqual(d.keptLast, undefined);
  });

  it('keeps the last realserver that still has a weight when all are down', () => {
    const d = decideWeights([target('a', 'down', 1, 0), target('b', 'down', 2, 2)]);
    assert.deepStrictEqual(Object.fromEntries(d.weights), { a: 0, b: 2 });
    assert.strictEqual(d.keptLast, 'b');
  });

  it('releases the kept one once another is up again', () => {
    const d = decideWeights([target('a', 'up', 1, 0), target('b', 'down', 2, 2)]);
    assert.deepStrictEqual(Object.fromEntries(d.weights), { a: 1, b: 0 });
    assert.strictEqual(d.keptLast, undefined);
  });

  it('leaves a plan weight of 0 at 0 and does not count it as serving', () => {
    const d = decideWeights([target('a', 'up', 0), target('b', 'down', 1, 1)]);
    assert.deepStrictEqual(Object.fromEntries(d.weights), { a: 0, b: 1 });
    assert.strictEqual(d.keptLast, 'b');
  });
});
