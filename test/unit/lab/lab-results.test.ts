import { strict as assert } from 'node:assert';
import { readLabReport, summarizeLabResults, type MochaJsonReport } from '../../../scripts/lab/lab-results';

function report(passes: string[], failures: Array<[string, string]>, pending: string[] = []): MochaJsonReport {
  return {
    stats: { passes: passes.length, failures: failures.length, pending: pending.length, tests: passes.length + failures.length + pending.length },
    passes: passes.map((fullTitle) => ({ fullTitle, duration: 1500 })),
    failures: failures.map(([fullTitle, message]) => ({ fullTitle, duration: 200, err: { message } })),
    pending: pending.map((fullTitle) => ({ fullTitle })),
  };
}

describe('lab results summary', () => {
  it('ends with "lab: N passed, N failed" and is ok when everything passed', () => {
    const summary = summarizeLabResults(report(['PPC sends all 20 requests to one realserver', 'PPC spreads without -p'], []));
    assert.equal(summary.lines.at(-1), 'lab: 2 passed, 0 failed');
    assert.ok(summary.lines.includes('  ok    PPC sends all 20 requests to one realserver (1.5 s)'));
    assert.equal(summary.ok, true);
  });

  it('lists a failure with its message and is not ok', () => {
    const summary = summarizeLabResults(report(['a'], [['PPC spreads without -p', 'expected { r1: 20 } to equal { r1: 10, r2: 10 }']]));
    assert.equal(summary.lines.at(-1), 'lab: 1 passed, 1 failed');
    assert.ok(summary.lines.includes('  FAIL  PPC spreads without -p (0.2 s)'));
    assert.ok(summary.lines.some((line) => line.includes('expected { r1: 20 }')));
    assert.equal(summary.ok, false);
  });

  it('treats a run where nothing ran as a failure, not a pass', () => {
    const summary = summarizeLabResults(report([], [], ['skipped one']));
    assert.equal(summary.ok, false);
    assert.equal(summary.lines.at(-1), 'lab: 0 passed, 0 failed');
    assert.ok(summary.lines.some((line) => line.includes('no test ran')));
  });

  it('names the file and the likely cause when the report is torn', () => {
    assert.throws(() => readLabReport('{"stats": {', '.lab/results/lab.json'), /\.lab\/results\/lab\.json is not mocha JSON.*guest stop mid-run/);
    assert.throws(() => readLabReport('{"stats": {}}', 'x.json'), /x\.json lacks mocha's passes/);
  });
});
