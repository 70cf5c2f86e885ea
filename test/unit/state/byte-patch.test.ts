// The last-plan patch (agent/state/byte-patch.ts) states the new request exactly, whatever the
// two requests hold: the old one's bytes are referred to only where they are equal.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { applyPatch, literalBytes, patchOf } from '../../../agent/state/byte-patch';

describe('a byte patch of one message against another', () => {
  it('gives the new message back exactly, for any two messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.uint8Array({ maxLength: 3000 }), (a, b) => {
        const old = Buffer.from(a);
        const next = Buffer.from(b);
        assert.deepEqual(applyPatch(old, patchOf(old, next)), next);
      }),
      { numRuns: 300 },
    );
  });

  it('carries only the blocks around a change in place, an insertion or a removal', () => {
    const old = Buffer.alloc(64 * 1024, 0);
    for (let i = 0; i < old.length; i++) old[i] = (i * 7919) % 251;
    const inPlace = Buffer.from(old);
    inPlace[30_000] ^= 1;
    const inserted = Buffer.concat([old.subarray(0, 20_000), Buffer.from('one more service'), old.subarray(20_000)]);
    const removed = Buffer.concat([old.subarray(0, 20_000), old.subarray(20_100)]);
    for (const next of [inPlace, inserted, removed]) {
      const patch = patchOf(old, next);
      assert.deepEqual(applyPatch(old, patch), next);
      assert.ok(literalBytes(patch) <= 1024, `${literalBytes(patch)} new bytes`);
    }
  });

  it('refuses pieces that do not fit the message it patches', () => {
    const old = Buffer.from('the plan');
    assert.throws(() => applyPatch(old, { segments: [[4, 10]], literal: Buffer.alloc(0) }), /passes the end of the 8-byte plan/);
    assert.throws(() => applyPatch(old, { segments: [[-1, 3]], literal: Buffer.from('ab') }), /take 3 new bytes, it holds 2/);
    assert.throws(() => applyPatch(old, { segments: [[0, 2]], literal: Buffer.from('ab') }), /take 0 new bytes, it holds 2/);
  });
});
