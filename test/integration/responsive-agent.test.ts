// The agent keeps answering while it works: a real director agent (gRPC server with mutual
// TLS, the real director applier on the in-memory kernel) runs in a process of its own; a
// second process sends it a 20,000 services x 10 destinations apply; meanwhile this process
// asks Hello every 100 ms. Every Hello is answered within its deadline, and the slowest
// answer is reported (a figure, not a pass mark: these machines are shared and noisy).
import assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import { join } from 'path';
import { createGrpcReaderConnector } from '../../controller/client/grpc-reader';
import { clientTo, mtls } from './support/agent-harness';
import { makeTestPki, type TestPki } from './support/pki';

const SERVICES = 20_000;
const DESTINATIONS = 10;
/** A Hello that takes longer than this fails the test: the agent stopped answering. */
const HELLO_DEADLINE_MS = 5_000;

function startChild(script: string, args: string[]): { child: ChildProcess; firstLine: Promise<string>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(__dirname, 'support', script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    void exited.then((code) => reject(new Error(`${script} exited (${code}) before printing: ${err}`)));
  });
  return { child, firstLine, exited };
}

describe('an agent that keeps answering during a 20,000 x 10 apply', function () {
  this.timeout(600_000);
  let pki: TestPki;
  let agent: ReturnType<typeof startChild>;
  let port: number;

  before(async () => {
    pki = await makeTestPki();
    const { ca, cert, key } = pki.agent;
    agent = startChild('director-agent-child.js', [ca, cert, key]);
    port = (JSON.parse(await agent.firstLine) as { port: number }).port;
  });
  after(async () => {
    agent?.child.stdin?.end();
    await agent?.exited;
    pki.cleanup();
  });

  it('answers every Hello while it decodes and applies the plan, and the table is loaded', async () => {
    const asking = clientTo(port, mtls(pki.controller), HELLO_DEADLINE_MS);
    await asking.hello(); // the channel is up before the apply starts
    const { ca, cert, key } = pki.controller;
    const started = Date.now();
    const sender = startChild('apply-sender-child.js', [String(port), String(SERVICES), String(DESTINATIONS), ca, cert, key]);
    const latencies: number[] = [];
    let done = false;
    const hellos = (async () => {
      while (!done) {
        const sent = Date.now();
        await asking.hello();
        latencies.push(Date.now() - sent);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      const result = JSON.parse(await sender.firstLine) as { outcome: string; message: string };
      const applyMs = Date.now() - started;
      done = true;
      await hellos;
      assert.equal(result.outcome, 'changed', result.message);
      const reader = createGrpcReaderConnector({ tls: mtls(pki.controller), timeoutMs: 60_000 })({ host: 'lvs1', address: '127.0.0.1', port });
      try {
        const status = await reader.status();
        assert.equal(status.services.length, SERVICES);
      } finally {
        reader.close();
      }
      const slowest = Math.max(...latencies);
      const sorted = [...latencies].sort((a, b) => a - b);
      console.log(`      apply of ${SERVICES} x ${DESTINATIONS} took ${applyMs} ms end to end (encoding in the sender included); ` +
        `${latencies.length} Hello calls answered meanwhile: median ${sorted[sorted.length >> 1]} ms, slowest ${slowest} ms`);
      assert.ok(latencies.length >= 3, `Hello was answered only ${latencies.length} time(s) during the apply`);
    } finally {
      done = true;
      sender.child.kill();
      asking.close();
    }
  });
});
