// lvsctl ends once a command is done and its output is written out (exit-once-written.ts):
// the exit waits for both outputs, and a pipe read slowly still gets every byte and the code.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { exitOnceWritten, type FlushableOutput } from '../../../controller/cli/exit-once-written';

// dist/test/unit/cli/ → dist/controller/cli/exit-once-written.js
const HELPER = join(__dirname, '..', '..', '..', 'controller', 'cli', 'exit-once-written.js');

/** An output whose write callbacks are held until `flush`. */
function heldOutput(): FlushableOutput & { flush(error?: Error): void } {
  const callbacks: ((error?: Error | null) => void)[] = [];
  return {
    write(_chunk, callback) {
      callbacks.push(callback);
      return true;
    },
    flush(error) {
      for (const callback of callbacks.splice(0)) callback(error);
    },
  };
}

describe('exitOnceWritten', () => {
  const before = process.exitCode;
  afterEach(() => {
    process.exitCode = before;
  });

  it('ends the process only when every output has written what it held, with the code', () => {
    const stdout = heldOutput();
    const stderr = heldOutput();
    const exits: number[] = [];
    exitOnceWritten(3, [stdout, stderr], (code) => exits.push(code));
    assert.deepEqual(exits, []);
    stdout.flush();
    assert.deepEqual(exits, []);
    stderr.flush();
    assert.deepEqual(exits, [3]);
  });

  it('an output that failed (its reader gone) is not waited for again', () => {
    const stdout = heldOutput();
    const exits: number[] = [];
    exitOnceWritten(2, [stdout], (code) => exits.push(code));
    stdout.flush(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    assert.deepEqual(exits, [2]);
  });

  it('a pipe still gets all 8 MiB a process wrote just before it asked to end, and its exit code', async function () {
    this.timeout(20_000);
    // the 8 MiB are written in one turn of the child's event loop: a pipe takes 64 KiB at
    // once, so nearly all of it is still queued in the child when it asks to end
    const script = `const out = 'x'.repeat(1 << 20);
for (let i = 0; i < 8; i++) process.stdout.write(out);
require(${JSON.stringify(HELPER)}).exitOnceWritten(3);`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(bytes, 8 << 20);
    assert.equal(code, 3);
  });
});
