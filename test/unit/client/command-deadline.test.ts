import assert from 'assert';
import { APPLY_ALLOWANCE_MS, commandDeadline, formatDuration, readsDeadlineMs, rolloutDeadlineMs, waves } from '../../../controller/client/command-deadline';
import { answerLimit, deadlinePassed, streamLimit } from '../../../controller/client/call-limit';

describe('the command\'s deadline', () => {
  it('counts waves of at most `parallel` agents, at least one', () => {
    assert.strictEqual(waves(0, 20), 1);
    assert.strictEqual(waves(20, 20), 1);
    assert.strictEqual(waves(21, 20), 2);
    assert.strictEqual(waves(5, 0), 5);
  });

  it('of health, status, connections: one --timeout per wave, plus one', () => {
    assert.strictEqual(readsDeadlineMs(10_000, 3, 20), 20_000);
    assert.strictEqual(readsDeadlineMs(2000, 45, 20), 8000);
  });

  it('of rollout: one --timeout per wave of the connect phase, plus 30 minutes for the applies', () => {
    assert.strictEqual(APPLY_ALLOWANCE_MS, 1_800_000);
    assert.strictEqual(rolloutDeadlineMs(10_000, 25, 10), 30_000 + 1_800_000);
  });

  it('is the one given with --deadline, or the derived one, and says which', () => {
    assert.deepStrictEqual(commandDeadline(1000, { timeoutMs: 10_000, deadlineMs: 3000 }, 99_000), { at: 4000, text: 'the command\'s deadline (--deadline 3s)' });
    assert.deepStrictEqual(commandDeadline(1000, { timeoutMs: 10_000 }, 20_000), { at: 21_000, text: 'the command\'s deadline (20s, derived from --timeout; set it with --deadline)' });
  });

  it('is written as --timeout and --deadline take durations', () => {
    assert.strictEqual(formatDuration(120_000), '2m');
    assert.strictEqual(formatDuration(3000), '3s');
    assert.strictEqual(formatDuration(1500), '1500ms');
  });
});

describe('the bound of one call', () => {
  const deadline = { at: 5000, text: 'the command\'s deadline (--deadline 5s)' };

  it('is --timeout, unless the command\'s deadline comes first', () => {
    assert.deepStrictEqual(answerLimit(1000, 2000, deadline), { at: 3000, text: 'within 2000 ms (--timeout)', byCommand: false });
    assert.deepStrictEqual(answerLimit(4000, 2000, deadline), { at: 5000, text: 'before the command\'s deadline (--deadline 5s)', byCommand: true });
    assert.deepStrictEqual(answerLimit(4000, 2000), { at: 6000, text: 'within 2000 ms (--timeout)', byCommand: false });
  });

  it('of a whole apply is the command\'s deadline, or the fallback without one', () => {
    assert.strictEqual(streamLimit(1000, 60_000, deadline).at, 5000);
    assert.strictEqual(streamLimit(1000, 60_000).at, 61_000);
  });

  it('is gone once the command\'s deadline passed', () => {
    assert.ok(deadlinePassed(5000, deadline));
    assert.ok(!deadlinePassed(4999, deadline));
    assert.ok(!deadlinePassed(1e15));
  });
});
