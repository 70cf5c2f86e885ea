import { strict as assert } from 'node:assert';
import { portRuns } from '../../../lvs/formats/port-runs';

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
});
