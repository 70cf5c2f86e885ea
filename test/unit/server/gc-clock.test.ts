import assert from 'assert';
import { gcSpan } from '../../../agent/gc-clock';
import { fullCollection } from '../../../agent/idle-collect';

const turn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe('the agent\'s collector clock', () => {
  it('counts the time of collections that garbage forces within a span', async () => {
    const span = gcSpan();
    let kept = 0;
    // about 100 MB of short-lived objects: the young generation fills many times over
    for (let i = 0; i < 1_000_000; i++) kept += { n: i, s: `item ${i}`, list: [i, i + 1] }.list.length;
    assert.strictEqual(kept, 2_000_000);
    // the observer's entries come a moment after each collection
    await turn();
    assert.ok(span.end() > 0, 'no collection counted');
  });

  it('leaves out a collection that ran before the span, though its entry arrives inside it', async () => {
    const collect = fullCollection();
    assert.ok(collect);
    const before = gcSpan();
    await turn();
    collect();
    // the entry of that collection is not delivered yet: the span opened now must not take it
    const after = gcSpan();
    await turn();
    assert.ok(before.end() > 0, 'the collection was not counted where it ran');
    assert.strictEqual(after.end(), 0);
  });
});
