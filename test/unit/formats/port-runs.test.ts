import { strict as assert } from 'node:assert';
import { portRuns, withoutRepeats } from '../../../lvs/formats/port-runs';

describe('portRuns: ports as one line', () => {
  it('joins consecutive ports into runs and keeps the others apart, in the order given', () => {
    assert.equal(portRuns([8001, 8002, 8003, 8005, 8080, 8081]), '8001-8003, 8005, 8080-8081');
    assert.equal(portRuns([80]), '80');
    assert.equal(portRuns([443, 80, 81]), '443, 80-81');
  });

  it('drops repeats, and says nothing of no ports', () => {
    assert.equal(portRuns([80, 80, 81]), '80-81');
    assert.equal(portRuns([]), '');
  });

  it('drops repeats from a long list too, and hands back a list without repeats as it is', () => {
    const long = Array.from({ length: 1000 }, (_, i) => 9000 + (i % 500));
    assert.equal(portRuns(long), '9000-9499');
    assert.deepEqual(withoutRepeats(long), Array.from({ length: 500 }, (_, i) => 9000 + i));
    const plain = [80, 443];
    assert.equal(withoutRepeats(plain), plain);
  });
});
