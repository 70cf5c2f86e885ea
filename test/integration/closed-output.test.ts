// A rollout whose output is closed under it (`lvsctl rollout plan.json | head`) still rolls out
// to its end and exits with the rollout's own code, with no stack trace (docs/rollout.md, Exit
// codes): the built lvsctl as a child process, director and realserver agents (the real gRPC
// server with the fake applier) on 127.0.0.1, whose appliers say what they were asked and finished.
import assert from 'assert';
import { spawn } from 'child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { makeTestPki, type TestPki } from './support/pki';
import { startTestAgent, type TestAgent } from './support/agent-harness';
import { startDirectorWithHealth } from './support/health-agent';
import { writeLoopbackPlan } from './support/loopback-plan';

// dist/test/integration/ → dist/controller/cli/main.js
const LVSCTL = join(__dirname, '..', '..', 'controller', 'cli', 'main.js');

/**
 * lvsctl ARGS with its stdout closed before it writes anything (or, with `stdoutFd`, writing to
 * that file); its exit code (null: killed, still running after 40 s) and stderr.
 */
function runWithStdoutClosed(args: readonly string[], stdoutFd?: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LVSCTL, ...args], { stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'] });
    child.stdout?.destroy();
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    });
  });
}

describe('lvsctl with its output closed by the reader, or on a full disk', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let dir: string;
  let director: TestAgent;
  let realserver: TestAgent;
  const tlsArgs = (): string[] => ['--ca', pki.controller.ca, '--cert', pki.controller.cert, '--key', pki.controller.key];

  before(async () => {
    pki = await makeTestPki();
    dir = mkdtempSync(join(tmpdir(), 'lvsctl-closed-output-'));
    director = await startTestAgent({ role: 'director', tls: pki.agent });
    realserver = await startTestAgent({ role: 'realserver', tls: pki.agent });
  });
  after(async () => {
    await director?.stop();
    await realserver?.stop();
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a rollout goes on to its end and exits 0: both hosts applied to the end, nothing on stderr', async () => {
    const plan = writeLoopbackPlan(dir, 'closed', { lvs1: director.port, web1: realserver.port });
    const closed = await runWithStdoutClosed(['rollout', plan, ...tlsArgs(), '--timeout', '5s']);
    assert.equal(closed.stderr, '');
    assert.equal(closed.code, 0);
    for (const agent of [realserver, director]) {
      assert.equal(agent.applier.calls.length, 1);
      assert.notEqual(agent.applier.calls[0].finishedAt, undefined);
    }
  });

  it('health --watch, which runs until stopped, ends as by Ctrl-C at its first report: exit 0', async () => {
    const agent = await startDirectorWithHealth({ heartbeatMs: 200 });
    try {
      const plan = writeLoopbackPlan(dir, 'watch', { lvs1: agent.port, web1: agent.port });
      // no --deadline: a watch that did not end when its reader went away is killed at 40 s (code null)
      const closed = await runWithStdoutClosed(['health', plan, '--watch', '--json', '--insecure', '--timeout', '5s']);
      assert.deepEqual(closed, { code: 0, stderr: '' });
    } finally {
      await agent.stop();
    }
  });

  it('a command that only prints (schema) exits 0 with nothing on stderr', async () => {
    const closed = await runWithStdoutClosed(['schema']);
    assert.deepEqual(closed, { code: 0, stderr: '' });
  });

  /** lvsctl ARGS writing to /dev/full: every write to stdout fails with ENOSPC, as on a full disk */
  const runIntoFullDisk = (args: readonly string[]): Promise<{ code: number | null; stderr: string }> => {
    const full = openSync('/dev/full', 'w');
    try {
      return runWithStdoutClosed(args, full);
    } finally {
      closeSync(full);
    }
  };
  const LOST = 'lvsctl: could not write to stdout (ENOSPC: no space left on device, write): what the command printed there is incomplete\n';

  it('on a full disk, a command that only prints exits 1 saying its output is incomplete, with no stack trace', async () => {
    assert.deepEqual(await runIntoFullDisk(['schema']), { code: 1, stderr: LOST });
    assert.deepEqual(await runIntoFullDisk(['--help']), { code: 1, stderr: LOST });
  });

  it('on a full disk, a rollout still goes on to its end (both hosts applied), then exits 1 saying its output is incomplete', async () => {
    const plan = writeLoopbackPlan(dir, 'full', { lvs1: director.port, web1: realserver.port });
    const before = [realserver.applier.calls.length, director.applier.calls.length];
    assert.deepEqual(await runIntoFullDisk(['rollout', plan, ...tlsArgs(), '--timeout', '5s']), { code: 1, stderr: LOST });
    for (const [i, agent] of [realserver, director].entries()) {
      assert.equal(agent.applier.calls.length, (before[i] as number) + 1);
      assert.notEqual(agent.applier.calls.at(-1)?.finishedAt, undefined);
    }
  });
});
