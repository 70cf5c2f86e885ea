import assert from 'assert';
import { StreamProgress } from '../../../controller/client/stream-progress';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('how far an apply stream got', () => {
  it('names the event count, the last event and how long ago it came', async () => {
    let now = 10_000;
    const progress = new StreamProgress(() => now);
    assert.strictEqual(progress.describe(now), 'after the agent accepted the plan, before any event');
    progress.saw({ kind: 'step', action: 'read-state', target: 'lvs1', status: 'ok', message: 'read' });
    await nextTurn();
    now = 11_000;
    progress.saw({ kind: 'diff', subject: 'ipvs', before: '', after: '' });
    assert.strictEqual(progress.describe(13_500), 'after 2 events (the last, diff of ipvs, 2.5 s before)');
  });

  it('reads the clock once for a burst of events that arrive in one turn of the event loop', async () => {
    let reads = 0;
    const progress = new StreamProgress(() => { reads += 1; return 20_000; });
    for (let i = 0; i < 1_000; i += 1) progress.saw({ kind: 'step', action: 'add-destination', target: `10.0.0.${i % 250}`, status: 'changed', message: '' });
    assert.strictEqual(reads, 1);
    await nextTurn();
    progress.saw({ kind: 'result', outcome: 'changed', changed: 1000, message: '' });
    assert.strictEqual(reads, 2);
    assert.strictEqual(progress.describe(21_000), 'after 1001 events (the last, result, 1.0 s before)');
  });
});
