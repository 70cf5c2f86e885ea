// The parts of one apply as its "director apply finished" line gives them (agent/director/apply-phases.ts).
import { strict as assert } from 'node:assert';
import { ApplyPhases } from '../../../agent/director/apply-phases';

describe('an apply, part by part', () => {
  it('counts the page faults of each part beside its time, a part met twice adding up', () => {
    const phases = new ApplyPhases();
    phases.lap('read');
    // fresh memory, every page written: the kernel maps each on first touch
    const fresh = Buffer.allocUnsafeSlow(16 * 1024 * 1024);
    fresh.fill(1);
    phases.lap('diff');
    const afterDiff = phases.pageFaults.diff;
    phases.lap('diff');
    assert.deepEqual(Object.keys(phases.pageFaults), Object.keys(phases.ms));
    assert.ok(afterDiff > 0, `touching 16 MiB of fresh memory took no page fault: ${afterDiff}`);
    assert.ok(phases.pageFaults.diff >= afterDiff, 'a part met again adds up');
    assert.ok(phases.pageFaults.read >= 0);
  });
});
