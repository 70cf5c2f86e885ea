// Closing a client on the turn that brought its answer. A rollout, a health or status
// command closes its clients from code that runs on the stack of the socket read that
// delivered the last answer; a collection before that read returns once freed the TLS
// socket's native half under it, and the process died of a segmentation fault (the host
// suite, about one run in eight). The child process does just that, a hundred times over,
// with a collection forced each time: it must live and exit by itself.
import assert from 'assert';
import { execFile } from 'child_process';
import { join } from 'path';
import { startTestAgent, type TestAgent } from './support/agent-harness';
import { makeTestPki, type TestPki } from './support/pki';

const ROUNDS = 100;

describe('a client closed on the turn that brought its answer', function () {
  this.timeout(120_000);
  let pki: TestPki;
  let agent: TestAgent;

  before(async () => {
    pki = await makeTestPki();
    agent = await startTestAgent({ tls: pki.agent });
  });
  after(async () => {
    await agent?.stop();
    pki?.cleanup();
  });

  it('ends its connection without crashing the process, even when V8 collects right then', async () => {
    const { ca, cert, key } = pki.controller;
    const child = join(__dirname, 'support', 'close-after-answer-child.js');
    const outcome = await new Promise<{ code: number | string | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--expose-gc', child, String(agent.port), String(ROUNDS), ca, cert, key], { timeout: 100_000 }, (error, stdout, stderr) => {
        const failed = error as (Error & { code?: number | string; signal?: string }) | null;
        resolve({ code: failed ? failed.code ?? null : 0, signal: failed?.signal ?? null, stdout, stderr });
      });
    });
    assert.deepStrictEqual({ code: outcome.code, signal: outcome.signal, stdout: outcome.stdout }, { code: 0, signal: null, stdout: `closed ${ROUNDS} clients\n` }, outcome.stderr);
  });
});
