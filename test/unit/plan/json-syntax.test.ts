import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { hasDuplicateKeys, lineAndColumn, scanJson } from '../../../controller/plan/json-syntax';

/** Keys as written in JSON text: a few that collide only once unescaped, some that look like structure. */
const RAW_KEYS = ['"a"', '"\\u0061"', '"b"', '"a\\\\"', '"a\\""', '"\\\\"', '"{"', '"}:"', '"[,]"', '"\\"a"', '""'];

/** JSON texts whose objects may give a key twice (JSON.stringify never does), with any spacing. */
const jsonWithRepeats: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('1', '-2.5e3', 'true', 'null', '"x"', '"}{\\"\\\\"', '"a\\":1"', '""'),
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(fc.constantFrom(...RAW_KEYS), fc.constantFrom('', ' ', '\n  '), tie('value')), { maxLength: 5 })
      .map((entries) => `{${entries.map(([k, space, v]) => `${space}${k}${space}:${space}${v}`).join(',')}}`),
  ),
})).value;

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

  it('hasDuplicateKeys answers as scanJson does on JSON texts with and without repeated keys', () => {
    let withRepeats = 0;
    fc.assert(fc.property(jsonWithRepeats, (text) => {
      const parsed: unknown = JSON.parse(text); // the generator writes JSON only
      const expected = scanJson(text).duplicateKeys.length > 0;
      if (expected) withRepeats++;
      assert.equal(hasDuplicateKeys(text, parsed), expected, text);
    }), { numRuns: 2000 });
    assert.ok(withRepeats > 100, `only ${withRepeats} texts had a repeated key: the property saw too few`);
    fc.assert(fc.property(fc.json(), (text) => assert.equal(hasDuplicateKeys(text, JSON.parse(text)), false, text)), { numRuns: 500 });
  });

  it('hasDuplicateKeys takes keys as JSON.parse does: escaped or not, only within one object', () => {
    const duplicated = (text: string): boolean => hasDuplicateKeys(text, JSON.parse(text));
    assert.equal(duplicated('{"a": 1, "\\u0061": 2}'), true);
    assert.equal(duplicated('{"a\\\\": 1, "a\\\\\\\\": 2}'), false);
    assert.equal(duplicated('{"x": {"a": 1}, "y": {"a": 2}, "z": [{"a": 3}, {"a": 4}]}'), false);
    assert.equal(duplicated('{"x": {"a": 1, "b": [1, {"a": 2}], "a": 3}}'), true);
    assert.equal(duplicated('{"s": "\\"a\\": 1, \\"a\\": 2", "t": "{\\"b\\":1,\\"b\\":2}"}'), false);
    // a key named __proto__ is an own property of JSON.parse's object like any other
    assert.equal(duplicated('{"__proto__": {"a": 1}, "b": {"__proto__": 2, "__proto__": 3}}'), true);
    assert.equal(duplicated('{"__proto__": {"a": 1, "b": 2}}'), false);
  });

  it('refuses absurd nesting instead of overflowing the stack', () => {
    assert.match(scanJson('['.repeat(100_000)).error?.message ?? '', /nested more than/);
  });

  it('names a control byte by its number instead of printing it to the terminal', () => {
    assert.strictEqual(scanJson('{"a": 1\u001b}').error?.message, 'expected "," or "}" after a value, found control byte 0x1b');
    assert.strictEqual(scanJson('\u0000').error?.message, 'unexpected control byte 0x00 where a value should be');
  });

  it('counts lines and columns from 1', () => {
    assert.deepEqual(lineAndColumn('ab\ncd', 0), { line: 1, column: 1 });
    assert.deepEqual(lineAndColumn('ab\ncd', 4), { line: 2, column: 2 });
  });
});
