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

  it('"quiesce": leaves every down realserver at 0, the last one too', () => {
    const d = decideWeights([target('a', 'down', 1, 0), target('b', 'down', 2, 2)], { allDown: 'quiesce', sorryServer: false });
    assert.deepStrictEqual(Object.fromEntries(d.weights), { a: 0, b: 0 });
    assert.strictEqual(d.keptLast, undefined);
  });

  it('with a sorry server: every down realserver at 0 and the sorry server at 1, whatever allDown says', () => {
    const d = decideWeights([target('a', 'down', 1, 0), target('b', 'down', 2, 2)], { allDown: 'keep-last', sorryServer: true });
    assert.deepStrictEqual(Object.fromEntries(d.weights), { a: 0, b: 0 });
    assert.deepStrictEqual([d.keptLast, d.sorryServerWeight], [undefined, 1]);
  });

  it('with a sorry server: it stands by at 0 while one realserver serves, an unknown one included', () => {
    assert.strictEqual(decideWeights([target('a', 'down'), target('b', 'up')], { sorryServer: true }).sorryServerWeight, 0);
    assert.strictEqual(decideWeights([target('a', 'down'), target('b', 'unknown')], { sorryServer: true }).sorryServerWeight, 0);
  });

  it('with a sorry server: it does not take over a service the operator drained (every plan weight 0)', () => {
    const d = decideWeights([target('a', 'down', 0), target('b', 'up', 0)], { sorryServer: true });
    assert.strictEqual(d.sorryServerWeight, 0);
  });
});
