import { strict as assert } from 'node:assert';
import { someNames } from '../../../lvs/some-names';

describe('a list of names in one line', () => {
  it('names up to three, then how many more', () => {
    assert.equal(someNames(['web']), 'web');
    assert.equal(someNames(['a', 'b', 'c']), 'a, b, c');
    assert.equal(someNames(Array.from({ length: 10_000 }, (_, i) => `s${i}`)), 's0, s1, s2 and 9,997 more');
  });
});
