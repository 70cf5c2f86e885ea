// The rollout's report lines are gathered and written together, in order, once the event
// loop's turn ends or 64 KiB wait; flush() writes what is left.
import { strict as assert } from 'node:assert';
import { BatchedOutput } from '../../../controller/cli/batched-output';

describe('BatchedOutput', () => {
  it('writes the lines of one turn in one write, in order, after the turn', async () => {
    const writes: string[] = [];
    const out = new BatchedOutput((t) => writes.push(t));
    out.write('a\n');
    out.write('b\n');
    assert.deepEqual(writes, []);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(writes, ['a\nb\n']);
    out.write('c\n');
    out.flush();
    assert.deepEqual(writes, ['a\nb\n', 'c\n']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(writes, ['a\nb\n', 'c\n'], 'nothing is written twice');
  });

  it('writes at once when 64 KiB wait, keeping the order', () => {
    const writes: string[] = [];
    const out = new BatchedOutput((t) => writes.push(t));
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 100; i += 1) out.write(line);
    assert.equal(writes.length, 1);
    assert.equal(writes[0].length, 64 * 1024);
    out.flush();
    assert.equal(writes.join(''), line.repeat(100));
  });
});
