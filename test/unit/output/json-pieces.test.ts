// --json documents written a piece at a time must be JSON.stringify's text to the character.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { writeJsonPieces } from '../../../lvs/json-pieces';

function pieces(value: unknown): string[] {
  const out: string[] = [];
  writeJsonPieces(value, (p) => out.push(p));
  return out;
}

describe('a JSON document written a piece at a time', () => {
  it('is JSON.stringify(value, null, 2) and a newline, whatever the value (dates, undefined, empty containers among them)', () => {
    const samples: unknown[] = [
      null, 1, 'x', [], {}, { a: [] }, { a: {} }, [undefined, () => 1], { a: undefined, b: () => 1, c: 1 },
      { at: new Date(0), nested: { list: [{ at: new Date(1), deep: { deeper: [1, { x: 'y' }] } }] } },
      // eslint-disable-next-line no-sparse-arrays
      [1, 2, , 4], { boxed: [new String('x'), new Number(2), new Boolean(false)] },
      { keyed: { toJSON: (key: string) => `toJSON of ${key}` }, list: [{ toJSON: (key: string) => `item ${key}` }] },
    ];
    for (const value of samples) assert.equal(pieces(value).join(''), `${JSON.stringify(value, null, 2)}\n`, JSON.stringify(value));
    fc.assert(fc.property(fc.jsonValue(), (value) => pieces(value).join('') === `${JSON.stringify(value, null, 2)}\n`), { numRuns: 300 });
    // walked less deep, the same text
    for (const depth of [0, 1, 2, 3]) {
      fc.assert(fc.property(fc.jsonValue(), (value) => {
        const out: string[] = [];
        writeJsonPieces(value, (p) => out.push(p), depth);
        return out.join('') === `${JSON.stringify(value, null, 2)}\n`;
      }), { numRuns: 100 });
    }
  });

  it('hands a large document over in pieces of about 1 MiB, none of them the whole', () => {
    const doc = { command: 'connections', hosts: [{ host: 'lvs1', ok: true, connections: Array.from({ length: 40_000 }, (_, i) => ({ protocol: 'tcp', client: { address: `10.1.${i >> 8}.${i & 255}`, port: 40000 + (i % 20000) }, state: 'ESTABLISHED' })) }] };
    const out = pieces(doc);
    const whole = `${JSON.stringify(doc, null, 2)}\n`;
    assert.ok(out.length > 3, `${out.length} pieces`);
    assert.ok(out.every((p) => p.length < (1 << 20) + 4096), `largest ${Math.max(...out.map((p) => p.length))}`);
    assert.equal(out.join(''), whole);
  });
});
