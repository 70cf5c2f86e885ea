// An output that fails under lvsctl or its agent (its reader gone, its disk full) is let be;
// the caller is told once, with the error.
import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { carryOnWhenOutputFails, isClosedOutput } from '../../../lvs/closed-output';

const failure = (code: string): Error => Object.assign(new Error(`write ${code}`), { code });

describe('an output that fails under lvsctl or its agent', () => {
  it('EPIPE, ENOSPC, EIO, and every write after them, are not raised', () => {
    for (const code of ['EPIPE', 'ENOSPC', 'EIO']) {
      const out = new EventEmitter();
      carryOnWhenOutputFails([out]);
      assert.doesNotThrow(() => out.emit('error', failure(code)));
      assert.doesNotThrow(() => out.emit('error', failure('ERR_STREAM_DESTROYED')));
    }
  });

  it('tells of a failed output once, at its first failed write, with that error', () => {
    const out = new EventEmitter();
    const told: Array<[unknown, string | undefined]> = [];
    carryOnWhenOutputFails([out], (failed, error) => told.push([failed, (error as NodeJS.ErrnoException).code]));
    out.emit('error', failure('ENOSPC'));
    out.emit('error', failure('ERR_STREAM_DESTROYED'));
    assert.deepEqual(told, [[out, 'ENOSPC']]);
  });

  it('tells a reader gone away (EPIPE, a destroyed stream) from a failing output', () => {
    assert.equal(isClosedOutput(failure('EPIPE')), true);
    assert.equal(isClosedOutput(failure('ERR_STREAM_DESTROYED')), true);
    assert.equal(isClosedOutput(failure('ENOSPC')), false);
    assert.equal(isClosedOutput(new Error('no code')), false);
  });

  it('watches a stream once, however often it is asked', () => {
    const out = new EventEmitter();
    carryOnWhenOutputFails([out]);
    carryOnWhenOutputFails([out]);
    assert.equal(out.listenerCount('error'), 1);
  });
});
