import assert from 'assert';
import { StreamProgress } from '../../../controller/client/stream-progress';

describe('how far an apply stream got', () => {
  it('names the event count, the last event and how long ago it came', () => {
    let now = 10_000;
    const progress = new StreamProgress(() => now);
    assert.strictEqual(progress.describe(now), 'after the agent accepted the plan, before any event');
    progress.saw({ kind: 'step', action: 'read-state', target: 'lvs1', status: 'ok', message: 'read' });
    now = 11_000;
    progress.saw({ kind: 'diff', subject: 'ipvs', before: '', after: '' });
    assert.strictEqual(progress.describe(13_500), 'after 2 events (the last, diff of ipvs, 2.5 s before)');
  });
});
