import assert from 'assert';
import { initialFallRise, observeCheck, type FallRiseState, type StateChange } from '../../../agent/health/fall-rise';

const t0 = Date.parse('2025-03-01T12:00:00Z');

/** Feeds "+" (pass) and "-" (fail) results one second apart; returns the states and the changes. */
function run(results: string, rules = { fall: 3, rise: 2 }): { states: string[]; changes: StateChange[] } {
  let state: FallRiseState = initialFallRise();
  const states: string[] = [];
  const changes: StateChange[] = [];
  [...results].forEach((r, i) => {
    const ok = r === '+';
    const { next, change } = observeCheck(state, { ok, detail: ok ? 'status 200' : `refused #${i}` }, rules, new Date(t0 + i * 1000));
    state = next;
    states.push(next.state);
    if (change) changes.push(change);
  });
  return { states, changes };
}

describe('fall/rise state machine', () => {
  it('starts unknown, so a fresh target keeps serving before its first check', () => {
    assert.strictEqual(initialFallRise().state, 'unknown');
  });

  const table: { results: string; states: string; why: string }[] = [
    { results: '+', states: 'up', why: 'the first pass confirms an unknown target at once' },
    { results: '--', states: 'unknown unknown', why: 'fewer failures than fall leave it unknown' },
    { results: '---', states: 'unknown unknown down', why: 'fall failures in a row take an unknown target down' },
    { results: '+---', states: 'up up up down', why: 'fall failures in a row take an up target down' },
    { results: '+--+--', states: 'up up up up up up', why: 'a pass in between resets the failure count' },
    { results: '+---+', states: 'up up up down down', why: 'one pass is not enough to rise' },
    { results: '+---++', states: 'up up up down down up', why: 'rise passes in a row bring it back' },
    { results: '+---+-++', states: 'up up up down down down down up', why: 'a failure in between resets the pass count' },
    { results: '+------', states: 'up up up down down down down', why: 'further failures of a down target change nothing' },
  ];
  for (const row of table) {
    it(`${row.results}: ${row.why}`, () => {
      assert.strictEqual(run(row.results).states.join(' '), row.states);
    });
  }

  it('reports each transition once, with the check time and the error text as reason', () => {
    const { changes } = run('+---++');
    assert.deepStrictEqual(changes, [
      { at: new Date(t0), from: 'unknown', to: 'up', reason: 'first check passed' },
      { at: new Date(t0 + 3000), from: 'up', to: 'down', reason: 'refused #3' },
      { at: new Date(t0 + 5000), from: 'down', to: 'up', reason: '2 checks passed' },
    ]);
  });

  it('says how many checks passed on rise', () => {
    const { changes } = run('---+++', { fall: 3, rise: 3 });
    assert.strictEqual(changes.at(-1)?.reason, '3 checks passed');
  });

  it('with fall 1 and rise 1 follows every result', () => {
    assert.strictEqual(run('+-+-', { fall: 1, rise: 1 }).states.join(' '), 'up down up down');
  });

  it('refuses a fall or rise below one, naming it', () => {
    assert.throws(() => observeCheck(initialFallRise(), { ok: true, detail: '' }, { fall: 0, rise: 2 }, new Date(t0)), /fall must be .* >= 1, got 0/);
  });
});
