import assert from 'assert';
import { fullCollection, IdleCollector, type IdleCollectDone } from '../../../agent/idle-collect';

const MIB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A collector over a heap the test sets, counting the collections it runs. */
function harness(options: { idleMs?: number; growthMiB?: number } = {}) {
  const state = { heap: 10 * MIB, collections: 0, done: [] as IdleCollectDone[] };
  const collector = new IdleCollector({
    collect: () => {
      state.collections += 1;
      state.heap = 12 * MIB; // what is left once the garbage is gone
    },
    idleMs: options.idleMs ?? 20,
    growthBytes: (options.growthMiB ?? 4) * MIB,
    heapUsed: () => state.heap,
    collected: (done) => state.done.push(done),
  });
  /** An apply that ends with the heap at heapMiB. */
  const applyLeaving = (heapMiB: number): void => {
    collector.busy();
    state.heap = heapMiB * MIB;
    collector.idle();
  };
  /** The collections run so far, once `ms` have passed. */
  const collectionsAfter = async (ms: number): Promise<number> => {
    await sleep(ms);
    return state.collections;
  };
  return { state, collector, applyLeaving, collectionsAfter };
}

describe('the agent\'s collection once idle after an apply', () => {
  it('V8\'s full collection is at hand and frees what nothing holds', async () => {
    const collect = fullCollection();
    assert.ok(collect, 'no full collection: the agent would leave every apply\'s garbage to the next one');
    const ref = ((): WeakRef<object> => new WeakRef({ payload: new Array(1000).fill('garbage') }))();
    // a WeakRef's target lives to the end of the job that made it
    await sleep(0);
    collect();
    assert.strictEqual(ref.deref(), undefined, 'the object nothing holds survived the collection');
  });

  it('collects once, idleMs after an apply that grew the heap, and says what it freed', async () => {
    const { state, applyLeaving } = harness();
    applyLeaving(40);
    assert.strictEqual(state.collections, 0, 'collected before the agent was idle');
    await sleep(60);
    assert.strictEqual(state.collections, 1);
    assert.deepStrictEqual(state.done.map(({ heapBeforeMiB, heapAfterMiB }) => ({ heapBeforeMiB, heapAfterMiB })), [{ heapBeforeMiB: 40, heapAfterMiB: 12 }]);
    // nothing grew since: the next apply leaves no collection behind
    applyLeaving(14);
    await sleep(60);
    assert.strictEqual(state.collections, 1, 'collected again for 2 MiB of growth, under the 4 MiB asked');
  });

  it('does not collect after an apply that left little behind', async () => {
    const { state, applyLeaving } = harness({ growthMiB: 16 });
    applyLeaving(25);
    await sleep(60);
    assert.strictEqual(state.collections, 0);
  });

  it('waits again when an apply starts before the idle moment, and while applies overlap', async () => {
    const { state, collector, applyLeaving } = harness({ idleMs: 40 });
    applyLeaving(40);
    await sleep(10);
    // the next apply arrives: the collection must not fall inside it
    collector.busy();
    collector.busy();
    await sleep(80);
    assert.strictEqual(state.collections, 0, 'collected while an apply ran');
    collector.idle();
    await sleep(80);
    assert.strictEqual(state.collections, 0, 'collected while the second apply still ran');
    collector.idle();
    await sleep(80);
    assert.strictEqual(state.collections, 1);
  });

  it('puts the waiting collection off to the end of the next apply when one is announced', async () => {
    const { collector, applyLeaving, collectionsAfter } = harness();
    applyLeaving(40);
    collector.cancel();
    assert.strictEqual(await collectionsAfter(60), 0, 'collected though an apply was announced');
    // the announced apply ends: the garbage of both is collected then
    applyLeaving(41);
    assert.strictEqual(await collectionsAfter(60), 1);
  });

  it('does not collect once the agent stops, not even after the apply still in flight', async () => {
    const { collector, applyLeaving, collectionsAfter } = harness();
    applyLeaving(40);
    collector.busy();
    collector.stop();
    applyLeaving(60);
    collector.idle();
    assert.strictEqual(await collectionsAfter(60), 0);
  });
});
