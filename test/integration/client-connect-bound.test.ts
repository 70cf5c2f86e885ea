// The controller bounds grpc-js's own TCP connect (bounded-credentials.ts, connect-watch.ts)
// instead of dialing each agent once more before it: an agent sees one connection per
// channel, and a host whose listener takes no more connections (its SYNs dropped, as a host
// behind a dropping firewall) still fails within --timeout, named for what it is. On 127.0.0.1.
import assert from 'assert';
import { spawn, type ChildProcess } from 'child_process';
import { connect, type Socket } from 'net';
import { createGrpcConnector } from '../../controller/client/grpc-client';
import { unreachableReasonOf as reasonOf } from './support/unreachable-reason';
import { awaitConnectTo } from '../../controller/client/connect-watch';
import { makeTestPki, type TestPki } from './support/pki';
import { mtls } from './support/agent-harness';
import { startSilentTcp } from './support/silent-peers';

const PYTHON = '/usr/bin/python3';

/**
 * A listener that never accepts, its queue of one already taken: Linux drops every further
 * SYN, so a connect to it stays under way until the kernel gives up (about two minutes).
 * Node accepts whatever it listens on, hence python3 (which the machine's set-up installs).
 */
async function startFullListener(): Promise<{ port: number; stop(): void }> {
  const child: ChildProcess = spawn(PYTHON, ['-c', [
    'import socket, sys',
    's = socket.socket()',
    "s.bind(('127.0.0.1', 0))",
    's.listen(0)',
    'print(s.getsockname()[1], flush=True)',
    'sys.stdin.read()',
  ].join('\n')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (b: Buffer) => resolve(Number(b.toString().trim())));
    child.once('error', reject);
  });
  const filler: Socket = await new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
  return { port, stop: () => { filler.destroy(); child.kill('SIGKILL'); } };
}

describe('the controller bounds grpc-js\'s own TCP connect', function () {
  this.timeout(20_000);
  let pki: TestPki;
  before(async () => {
    pki = await makeTestPki();
  });
  after(() => pki.cleanup());

  it('dials an agent once per channel: no connection of its own before grpc-js\'s', async () => {
    const silent = await startSilentTcp();
    try {
      const client = createGrpcConnector({ tls: mtls(pki.controller), timeoutMs: 700 })({ host: 'lvs1', address: '127.0.0.1', port: silent.port });
      const reason = await reasonOf(client.hello());
      client.close();
      assert.match(reason, /TLS handshake/);
      assert.strictEqual(silent.connections(), 1, 'one connection: the one grpc-js made and the handshake waited on');
    } finally {
      await silent.stop();
    }
  });

  it('fails a connect whose SYNs go unanswered within --timeout, saying no TCP connection came', async () => {
    const full = await startFullListener();
    try {
      const client = createGrpcConnector({ tls: mtls(pki.controller), timeoutMs: 700 })({ host: 'lvs1', address: '127.0.0.1', port: full.port });
      const reason = await reasonOf(client.hello());
      client.close();
      assert.match(reason, /agent of lvs1 at 127\.0\.0\.1:\d+: no TCP connection within 700 ms/);
    } finally {
      full.stop();
    }
  });

  it('hands a socket only to whoever waits for the address and port it dials, once', async () => {
    const silent = await startSilentTcp();
    const other = await startSilentTcp();
    const taken: string[] = [];
    const stopOther = awaitConnectTo('127.0.0.1', other.port, () => taken.push('other'));
    const stopCancelled = awaitConnectTo('127.0.0.1', silent.port, () => taken.push('cancelled'));
    stopCancelled();
    awaitConnectTo('127.0.0.1', silent.port, (s) => taken.push(`first ${s.remotePort ?? 'dialing'}`));
    awaitConnectTo('127.0.0.1', silent.port, () => taken.push('second'));
    const sockets = [connect({ host: '127.0.0.1', port: silent.port }), connect({ host: '127.0.0.1', port: silent.port })];
    try {
      await Promise.all(sockets.map((s) => new Promise((resolve) => s.once('connect', resolve))));
      assert.deepStrictEqual(taken, ['first dialing', 'second']);
    } finally {
      stopOther();
      for (const s of sockets) s.destroy();
      await silent.stop();
      await other.stop();
    }
  });
});
