// Fuzz of the plan loader on text, as a plan file can hold it: random JSON, example plans
// with characters garbled, example plans with a value replaced anywhere. loadPlanText never
// throws (its documented contract: every problem is a value), answers quickly, and every
// problem it reports has a JSON pointer and a message.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { loadPlanText } from '../../../controller/plan/load';
import { fuzzParameters, fuzzTimeoutMs, timed } from '../fuzz-runs';
import { FIXTURES, mutate, type Json } from './helpers';

const texts = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => readFileSync(resolve(FIXTURES, f), 'utf8'));

function assertAnswers(text: string): void {
  const result = timed(1000, 'loading one plan text', () => loadPlanText(text));
  if (result.ok) assert.deepEqual(result.problems, []);
  else assert.ok(result.problems.length > 0, 'refused without a problem');
  for (const p of [...result.problems, ...result.warnings]) {
    assert.equal(typeof p.message, 'string');
    assert.ok(p.message.length > 0);
    assert.ok(p.pointer === '' || p.pointer.startsWith('/'), `bad pointer ${p.pointer}`);
  }
}

/** One edit of a text: a character replaced, inserted or removed. */
const edit = fc.tuple(fc.constantFrom('replace', 'insert', 'delete'), fc.nat(), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '0', '-', 'e', 'x', ' ', '\n', '\u0000', '\ufeff', 'é'));

function garble(text: string, edits: Array<[string, number, string]>): string {
  return edits.reduce((t, [kind, at, ch]) => {
    const i = t.length === 0 ? 0 : at % t.length;
    if (kind === 'replace') return t.slice(0, i) + ch + t.slice(i + 1);
    if (kind === 'insert') return t.slice(0, i) + ch + t.slice(i);
    return t.slice(0, i) + t.slice(i + 1);
  }, text);
}

const nearValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue() as fc.Arbitrary<Json>,
  fc.constantFrom<Json>(0, -1, 65536, 2 ** 32, 1.5, '', '80', '1024:2048', '10.0.0.300', '::', 'rr', 'nat', 'tcp', 'web1', 'lvs1', [], {}, null),
);

describe('fuzz: the plan loader on any text', function () {
  this.timeout(fuzzTimeoutMs());

  it('answers random JSON texts with a plan or problems', () => {
    fc.assert(fc.property(fc.json({ maxDepth: 4 }), (text) => assertAnswers(text)), fuzzParameters(1000));
  });

  it('answers example plans with characters garbled with a plan or problems', () => {
    fc.assert(
      fc.property(fc.constantFrom(...texts), fc.array(edit, { minLength: 1, maxLength: 4 }), (text, edits) => assertAnswers(garble(text, edits))),
      fuzzParameters(1000),
    );
  });

  it('answers example plans with values replaced anywhere with a plan or problems', () => {
    const plans = texts.map((t) => JSON.parse(t) as Json);
    const change = fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), nearValue);
    fc.assert(
      fc.property(fc.constantFrom(...plans), fc.array(change, { minLength: 1, maxLength: 3 }), (plan, changes) => {
        assertAnswers(JSON.stringify(changes.reduce<Json>((p, [path, value]) => mutate(p, path, value), plan)));
      }),
      fuzzParameters(1000),
    );
  });
});
