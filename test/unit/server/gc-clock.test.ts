import assert from 'assert';
import { gcMsSoFar } from '../../../agent/gc-clock';

describe('the agent\'s collector clock', () => {
  it('counts the time of collections that garbage forces', async () => {
    const before = gcMsSoFar();
    let kept = 0;
    // about 100 MB of short-lived objects: the young generation fills many times over
    for (let i = 0; i < 1_000_000; i++) kept += { n: i, s: `item ${i}`, list: [i, i + 1] }.list.length;
    assert.strictEqual(kept, 2_000_000);
    // the observer's entries come a moment after each collection
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(gcMsSoFar() > before, `no collection counted (${gcMsSoFar()} ms, ${before} before)`);
  });
});
