// enableCompileCache: calls Node's module.enableCompileCache where it exists (Node >= 22.1),
// does nothing where it does not (Node 20), and never lets a failure stop a command.
import { strict as assert } from 'node:assert';
import { enableCompileCache } from '../../../controller/cli/compile-cache';

describe('compile cache', () => {
  it('turns the cache on where Node has module.enableCompileCache', () => {
    let calls = 0;
    assert.equal(enableCompileCache({ enableCompileCache: () => ++calls }), true);
    assert.equal(calls, 1);
  });

  it('does nothing where Node has none', () => {
    assert.equal(enableCompileCache({}), false);
  });

  it('swallows a failure: the command runs without a cache', () => {
    assert.equal(enableCompileCache({ enableCompileCache: () => { throw new Error('read-only tmp'); } }), false);
  });
});
