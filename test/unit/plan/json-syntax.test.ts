import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { lineAndColumn, scanJson } from '../../../controller/plan/json-syntax';

describe('the JSON scanner behind "line N, column M"', () => {
  it('agrees with JSON.parse on valid JSON texts', () => {
    fc.assert(fc.property(fc.json(), (text) => assert.equal(scanJson(text).error, undefined)), { numRuns: 500 });
  });

  it('fails exactly when JSON.parse fails, after any one-character corruption', () => {
    const text = fc.json({ depthSize: 'small' }).filter((t) => t.length > 1);
    fc.assert(
      fc.property(text, fc.nat(), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', 'x', ' ', "'"), (t, at, ch) => {
        const i = at % t.length;
        const broken = t.slice(0, i) + ch + t.slice(i + 1);
        let parses = true;
        try {
          JSON.parse(broken);
        } catch {
          parses = false;
        }
        assert.equal(scanJson(broken).error === undefined, parses, broken);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    assert.match(scanJson('['.repeat(100_000)).error?.message ?? '', /nested more than/);
  });

  it('counts lines and columns from 1', () => {
    assert.deepEqual(lineAndColumn('ab\ncd', 0), { line: 1, column: 1 });
    assert.deepEqual(lineAndColumn('ab\ncd', 4), { line: 2, column: 2 });
  });
});
