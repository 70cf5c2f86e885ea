import { strict as assert } from 'node:assert';
import { createExec, ExecError } from '../../../agent/kernel/exec';

// Real child processes, harmless ones: proves the wrapper's stdin, errors and bounds.
describe('exec: execFile with an argument array', () => {
  const exec = createExec();

  it('passes arguments literally: shell syntax is not interpreted', async () => {
    const { stdout } = await exec('echo', ['a; echo b', '$HOME', '`id`']);
    assert.equal(stdout, 'a; echo b $HOME `id`\n');
  });

  it('writes the input to stdin (as ipvsadm -R and iptables-restore need)', async () => {
    const { stdout } = await exec('cat', [], { input: '-A -t 10.0.0.100:80 -s rr\n' });
    assert.equal(stdout, '-A -t 10.0.0.100:80 -s rr\n');
  });

  it('a missing tool is a not-found error naming it', async () => {
    const error = await exec('lvsctl-no-such-tool', ['-S']).catch((e: unknown) => e);
    assert.ok(error instanceof ExecError);
    assert.equal(error.reason, 'not-found');
    assert.match(error.message, /lvsctl-no-such-tool is not installed/);
  });

  it('a non-zero exit carries the status and stderr', async () => {
    const error = await exec('sh', ['-c', 'echo "Service already exists" >&2; exit 2']).catch((e: unknown) => e);
    assert.ok(error instanceof ExecError);
    assert.equal(error.exitCode, 2);
    assert.match(error.message, /exited with status 2: Service already exists/);
  });

  it('kills a process that outlives its timeout', async () => {
    const error = await exec('sleep', ['5'], { timeoutMs: 100 }).catch((e: unknown) => e);
    assert.ok(error instanceof ExecError);
    assert.equal(error.reason, 'timeout');
  });

  it('kills a process whose output exceeds the bound', async () => {
    const error = await exec('head', ['-c', '100000', '/dev/zero'], { maxOutputBytes: 1000 }).catch((e: unknown) => e);
    assert.ok(error instanceof ExecError);
    assert.equal(error.reason, 'output-too-large');
  });
});
