// An agent that hostile peers cannot wear down: thousands of silent or half-open connections
// do not keep a controller out, each is closed within the handshake deadline, the agent
// holds a bounded number of them and its memory stays bounded; above the connection cap a
// newcomer is refused; an idle connection is closed. All on 127.0.0.1, bounded in count and time.
import assert from 'assert';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { CONNECTION_LIMITS } from '../../lvs/wire/limits';
import { directorPlan } from '../unit/wire/sample-host-plans';
import { clientTo, mtls, startTestAgent, type TestAgent } from './support/agent-harness';
import { capturingLogger, logged } from './support/capturing-logger';
import { clientHelloBytes, openSilent, release, stillOpen, type HeldSocket } from './support/hostile-peers';
import { makeTestPki, type TestPki } from './support/pki';

const MB = 1024 * 1024;

async function until(what: string, probe: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('an agent under a flood of connections', function () {
  this.timeout(60_000);
  let pki: TestPki;
  before(async () => {
    pki = await makeTestPki();
  });
  after(() => pki.cleanup());

  it('serves Hello and Apply to a controller while 2,000 silent and 200 half-handshaken connections come in, closes each within the handshake deadline, and holds a bounded number with bounded memory', async () => {
    const handshakeTimeoutMs = 3000;
    const log = capturingLogger();
    const agent = await startTestAgent({ tls: pki.agent, allow: ['controller'], logger: log.logger, limits: { handshakeTimeoutMs } });
    const held: HeldSocket[] = [];
    let peak = { handshaking: 0, connections: 0, rss: 0 };
    const sampler = setInterval(() => {
      const c = agent.running.connections();
      peak = { handshaking: Math.max(peak.handshaking, c.handshaking), connections: Math.max(peak.connections, c.connections), rss: Math.max(peak.rss, process.memoryUsage().rss) };
    }, 10);
    try {
      const warm = clientTo(agent.port, mtls(pki.controller));
      await warm.hello();
      warm.close();
      const rssBefore = process.memoryUsage().rss;
      const hello = await clientHelloBytes();
      const floodStarted = Date.now();
      held.push(...await openSilent(agent.port, 2000));
      held.push(...await openSilent(agent.port, 200, hello.subarray(0, Math.floor(hello.length / 2))));
      const floodMs = Date.now() - floodStarted;

      // the controller comes now, while the agent holds its full quota of handshakes
      const atHello = agent.running.connections();
      const started = Date.now();
      const client = clientTo(agent.port, mtls(pki.controller), 10_000);
      let helloMs: number;
      let applyMs: number;
      try {
        assert.strictEqual((await client.hello()).host, 'lvs1');
        helloMs = Date.now() - started;
        const result = await client.apply(directorPlan(5), 'check', () => undefined);
        applyMs = Date.now() - started - helloMs;
        assert.strictEqual(result.outcome, 'changed');
      } finally {
        client.close();
      }
      assert.ok(helloMs + applyMs < 10_000, `Hello took ${helloMs} ms and Apply ${applyMs} ms under load`);

      // every hostile connection is closed by the agent, none outlives the deadline by much
      // (measured from the client's connect: the agent counts from its accept, which a busy
      // host delays by up to a second or two; Node's own default would be 120 s)
      await until('the agent to close every hostile connection', () => stillOpen(held) === 0, handshakeTimeoutMs + 8000);
      const longest = Math.max(...held.map((h) => (h.closedAt as number) - h.openedAt));
      assert.ok(longest <= handshakeTimeoutMs + 5000, `a connection lived ${longest} ms, the deadline is ${handshakeTimeoutMs} ms`);
      assert.ok(longest >= handshakeTimeoutMs - 100, `the last ones were closed by the deadline, not sooner (longest ${longest} ms)`);
      assert.ok(peak.handshaking <= CONNECTION_LIMITS.maxHandshaking, `held ${peak.handshaking} handshakes at once`);
      assert.strictEqual(peak.handshaking, CONNECTION_LIMITS.maxHandshaking);
      await until('the agent to hold nothing in its handshake', () => agent.running.connections().handshaking === 0, 1000);
      const rssAfter = process.memoryUsage().rss;
      assert.ok(peak.rss - rssBefore < 200 * MB, `RSS grew by ${((peak.rss - rssBefore) / MB).toFixed(1)} MB`);
      assert.ok(log.lines.some((l) => l.message === 'connection closed: no TLS handshake in time'), 'a closed handshake is logged');
      process.stdout.write(
        `      figures: flood of ${held.length} connections opened in ${floodMs} ms; agent held at most ${peak.handshaking} in handshake ` +
          `(${atHello.handshaking} when the controller came); Hello ${helloMs} ms, Apply (check) ${applyMs} ms; ` +
          `longest-lived hostile connection ${longest} ms (deadline ${handshakeTimeoutMs} ms); RSS before ${(rssBefore / MB).toFixed(1)} MB, ` +
          `peak ${(peak.rss / MB).toFixed(1)} MB, after ${(rssAfter / MB).toFixed(1)} MB (test process: agent and attacker)\n`,
      );
    } finally {
      clearInterval(sampler);
      release(held);
      await agent.stop();
    }
    // the lines left out are counted at the end of each window (here: the agent's stop)
    const omitted = log.lines.filter((l) => l.message === 'connection log lines left out');
    const counts = new Map<unknown, number>();
    log.lines.forEach((l) => counts.set(l.message, (counts.get(l.message) ?? 0) + 1));
    assert.ok(omitted.length > 0, `the flood does not flood the log: ${JSON.stringify([...counts])}`);
    assert.ok(log.lines.length < 200, `${log.lines.length} log lines for a flood of ${held.length} connections`);
  });

  it('refuses a connection above the cap on authenticated connections, logs it, and keeps serving those it holds', async () => {
    const log = capturingLogger();
    const agent = await startTestAgent({ tls: pki.agent, logger: log.logger, limits: { maxConnections: 2 } });
    const clients = [0, 1, 2].map(() => clientTo(agent.port, mtls(pki.controller), 3000));
    try {
      await clients[0].hello();
      await clients[1].hello();
      await assert.rejects(clients[2].hello(), /controller|closed|connection/i);
      const line = await logged(log, (l) => l.message === 'connection refused: too many connections');
      assert.match(String(line.peer), /^127\.0\.0\.1:\d+$/);
      assert.strictEqual(line.limit, 2);
      assert.strictEqual((await clients[0].hello()).host, 'lvs1');
    } finally {
      clients.forEach((c) => c.close());
      await agent.stop();
    }
  });

  it('holds connections of a certificate --allow does not name apart from the cap: their calls are refused, at most maxRefused at once, each closed after refusedHoldMs, and the controller still gets its slots', async () => {
    const log = capturingLogger();
    const agent = await startTestAgent({ tls: pki.agent, logger: log.logger, allow: ['controller'], limits: { maxConnections: 2, maxRefused: 2, refusedHoldMs: 400 } });
    const intruders = [0, 1, 2, 3, 4].map(() => clientTo(agent.port, mtls(pki.intruder), 3000));
    const controllers = [0, 1].map(() => clientTo(agent.port, mtls(pki.controller), 3000));
    try {
      const refusals = await Promise.allSettled(intruders.map((c) => c.hello()));
      for (const r of refusals) {
        assert.strictEqual(r.status, 'rejected');
        assert.match(String((r as PromiseRejectedResult).reason), /CN=intruder is not allowed here|closed|connection/i);
      }
      assert.ok(refusals.some((r) => /CN=intruder is not allowed here/.test(String((r as PromiseRejectedResult).reason))), 'a refused call names the certificate and --allow');
      const line = await logged(log, (l) => l.message === 'connection of a certificate --allow does not name: its calls are refused, and it is closed');
      assert.strictEqual(line.limit, 2);
      // none of the five took one of the two slots
      assert.strictEqual((await controllers[0].hello()).host, 'lvs1');
      assert.strictEqual((await controllers[1].hello()).host, 'lvs1');
      assert.strictEqual(agent.running.connections().connections, 2);
      assert.ok(!log.lines.some((l) => l.message === 'connection refused: too many connections'), 'the controller was never refused');
    } finally {
      [...intruders, ...controllers].forEach((c) => c.close());
      await agent.stop();
    }
  });

  it('without TLS (--insecure), closes the oldest connection when a new one comes above the cap', async () => {
    const agent = await startTestAgent({ limits: { maxConnections: 3 } });
    const held: HeldSocket[] = [];
    try {
      for (let i = 0; i < 5; i += 1) held.push(...await openSilent(agent.port, 1));
      await until('the two oldest to be closed', () => stillOpen(held) === 3, 3000);
      assert.deepStrictEqual(held.map((h) => h.closedAt !== undefined), [true, true, false, false, false]);
      assert.strictEqual(agent.running.connections().connections, 3);
    } finally {
      release(held);
      await agent.stop();
    }
  });

  it('frees the slot of a peer that never ends its side after the agent closed an idle connection', async () => {
    const agent = await startTestAgent({ tls: pki.agent, idleConnectionMs: 300, limits: { halfClosedGraceMs: 400 } });
    // an HTTP/2 client that says its preface and then nothing, and never ends its side
    // (allowHalfOpen: tls.connect passes it on to its socket, which its types do not say)
    const halfOpen = { allowHalfOpen: true };
    const peer = tls.connect({
      ...halfOpen, host: '127.0.0.1', port: agent.port, ALPNProtocols: ['h2'], rejectUnauthorized: false,
      ca: readFileSync(pki.controller.ca), cert: readFileSync(pki.controller.cert), key: readFileSync(pki.controller.key),
    });
    let agentEnded = false;
    peer.on('error', () => undefined);
    peer.on('end', () => { agentEnded = true; });
    try {
      await new Promise<void>((resolve, reject) => { peer.once('secureConnect', resolve); peer.once('error', reject); });
      peer.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
      peer.resume();
      await until('the agent to take the connection', () => agent.running.connections().connections === 1, 3000);
      await until('the agent to end its side (idle)', () => agentEnded, 5000);
      await until('the agent to let the slot go although the peer never ended its side', () => agent.running.connections().connections === 0, 5000);
      assert.ok(!peer.destroyed, 'the peer kept its side open: the agent freed the slot on its own');
    } finally {
      peer.destroy();
      await agent.stop();
    }
  });

  it('closes a connection that carries no call for the idle limit', async () => {
    const agent = await startTestAgent({ tls: pki.agent, idleConnectionMs: 300 });
    const client = clientTo(agent.port, mtls(pki.controller), 3000);
    try {
      await client.hello();
      assert.strictEqual(agent.running.connections().connections, 1);
      await until('the idle connection to be closed', () => agent.running.connections().connections === 0, 3000);
      // the controller's channel reconnects for the next call
      assert.strictEqual((await client.hello()).host, 'lvs1');
    } finally {
      client.close();
      await agent.stop();
    }
  });
});
