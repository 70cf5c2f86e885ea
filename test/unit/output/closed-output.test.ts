// An output whose reader went away is let be (lvsctl's and the agent's); any other failure of an output still throws.
import { strict as assert } from 'node:assert';
import { EventEmitter } from 'node:events';
import { carryOnWhenOutputCloses, isClosedOutput } from '../../../lvs/closed-output';

const failure = (code: string): Error => Object.assign(new Error(`write ${code}`), { code });

describe('an output that closes under lvsctl or its agent', () => {
  it('EPIPE, and every write after it, is not raised', () => {
    const out = new EventEmitter();
    carryOnWhenOutputCloses([out]);
    assert.doesNotThrow(() => out.emit('error', failure('EPIPE')));
    assert.doesNotThrow(() => out.emit('error', failure('ERR_STREAM_DESTROYED')));
  });

  it('tells of a closed output once, at its first failed write', () => {
    const out = new EventEmitter();
    const told: unknown[] = [];
    carryOnWhenOutputCloses([out], (closed) => told.push(closed));
    out.emit('error', failure('EPIPE'));
    out.emit('error', failure('ERR_STREAM_DESTROYED'));
    assert.deepEqual(told, [out]);
  });

  it('another error of the output is raised as before', () => {
    const out = new EventEmitter();
    carryOnWhenOutputCloses([out]);
    assert.throws(() => out.emit('error', failure('EIO')), /write EIO/);
  });

  it('watches a stream once, however often it is asked', () => {
    const out = new EventEmitter();
    carryOnWhenOutputCloses([out]);
    carryOnWhenOutputCloses([out]);
    assert.equal(out.listenerCount('error'), 1);
    assert.equal(isClosedOutput(failure('EPIPE')), true);
    assert.equal(isClosedOutput(new Error('no code')), false);
  });
});
