// The gRPC clients' own bounds, in process, on 127.0.0.1: a closed client leaves no
// connection behind (even one stuck in its TLS handshake), a call past the command's
// deadline is not made, an agent that answers late or a watch that goes quiet is named
// for what it is.
import assert from 'assert';
import { createGrpcConnector } from '../../controller/client/grpc-client';
import { createGrpcReaderConnector } from '../../controller/client/grpc-reader';
import { unreachableReasonOf as reasonOf } from './support/unreachable-reason';
import { makeTestPki, type TestPki } from './support/pki';
import { mtls } from './support/agent-harness';
import { startSilentTcp, startSilentTls, type SilentPeer } from './support/silent-peers';
import { startFakeAgent } from './support/fake-agent-server';
import { startHostileHttp2 } from './support/hostile-http2-peers';
import { applyEventToWire } from '../../lvs/wire/apply-event-codec';
import { startAgentProcess } from './support/agent-process';
import { directorPlan } from '../unit/wire/sample-host-plans';

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(condition(), what);
}

describe('the gRPC clients end what they start', function () {
  this.timeout(20_000);
  let pki: TestPki;
  before(async () => {
    pki = await makeTestPki();
  });
  after(() => pki.cleanup());

  for (const kind of ['TCP', 'TLS'] as const) {
    it(`close() ends a connection a silent ${kind} peer holds, while the call still waits`, async () => {
      const silent: SilentPeer = kind === 'TCP' ? await startSilentTcp() : await startSilentTls(pki.agent);
      try {
        const client = createGrpcConnector({ tls: mtls(pki.controller), timeoutMs: 10_000 })({ host: 'lvs1', address: '127.0.0.1', port: silent.port });
        const hello = client.hello().catch((e: unknown) => e);
        await until(() => silent.open() > 0, 'the client never connected');
        client.close();
        await until(() => silent.open() === 0, `${silent.open()} connection(s) left open after close()`);
        assert.ok(await hello instanceof Error, 'hello did not fail after close()');
      } finally {
        await silent.stop();
      }
    });
  }

  it('does not dial at all once the command\'s deadline has passed', async () => {
    const silent = await startSilentTcp();
    try {
      const deadline = { at: Date.now() - 1, text: 'the command\'s deadline (--deadline 1s)' };
      const client = createGrpcConnector({ tls: mtls(pki.controller), timeoutMs: 5000, deadline })({ host: 'lvs1', address: '127.0.0.1', port: silent.port });
      const reason = await reasonOf(client.hello());
      client.close();
      assert.match(reason, /not asked: the command's deadline \(--deadline 1s\) passed before its turn/);
      assert.strictEqual(silent.connections(), 0);
    } finally {
      await silent.stop();
    }
  });

  it('says an agent that is connected but slow gave no answer within --timeout', async () => {
    const slow = await startFakeAgent({ role: 'director', tls: pki.agent, helloDelayMs: 10_000 });
    try {
      const client = createGrpcConnector({ tls: mtls(pki.controller), timeoutMs: 700 })({ host: 'lvs1', address: '127.0.0.1', port: slow.port });
      const reason = await reasonOf(client.hello());
      client.close();
      assert.match(reason, /agent of lvs1 at 127\.0\.0\.1:\d+ is connected but gave no answer within 700 ms \(--timeout\): the agent is busy or stuck/);
    } finally {
      await slow.stop();
    }
  });

  it('says a health watch stopped when nothing, not even a heartbeat, comes after the first report', async () => {
    const quiet = await startFakeAgent({
      role: 'director', tls: pki.agent,
      healthReport: { host: 'lvs1', role: 'director', at: new Date(), targets: [], events: [], selfChecks: [], heartbeat: false },
    });
    try {
      const reader = createGrpcReaderConnector({ tls: mtls(pki.controller), timeoutMs: 2000, watchSilenceMs: 500 })({ host: 'lvs1', address: '127.0.0.1', port: quiet.port });
      let reports = 0;
      const watch = reader.watchHealth(() => reports++);
      const reason = await reasonOf(watch.done);
      reader.close();
      assert.strictEqual(reports, 1);
      assert.match(reason, /agent of lvs1 at 127\.0\.0\.1:\d+: the health watch stopped: no report nor heartbeat for 0\.5 s; the agent is busy or stuck\?/);
    } finally {
      await quiet.stop();
    }
  });

  it('keeps no more than asked of an agent that streams without end: --limit connections, one health report', async () => {
    const entry = {
      protocol: 'TCP', expiresSeconds: 60, state: 'ESTABLISHED', template: false,
      client: { address: '10.1.0.1', port: 40000 }, virtual: { address: '10.0.0.100', port: 80 }, destination: { address: '10.0.0.11', port: 80 },
    };
    const report = { host: 'lvs1', role: 'director' as const, at: new Date(), targets: [], events: [], selfChecks: [], heartbeat: false };
    const flooding = await startFakeAgent({ role: 'director', tls: pki.agent, flood: { connection: entry, health: report } });
    try {
      const reader = createGrpcReaderConnector({ tls: mtls(pki.controller), timeoutMs: 10_000 })({ host: 'lvs1', address: '127.0.0.1', port: flooding.port });
      const entries = await reader.connections({ limit: 500 });
      assert.strictEqual(entries.length, 500);
      await until(() => flooding.flooded().cancelled, 'the connections call was not cancelled at its limit');
      const health = await reader.health();
      assert.strictEqual(health.host, 'lvs1');
      reader.close();
    } finally {
      await flooding.stop();
    }
  });

  it('says an apply stream reset after its first step may have left part of the plan applied (a reset mid-apply is no refusal)', async () => {
    const resetting = await startHostileHttp2(pki.agent, 'one-step-then-reset');
    try {
      const client = createGrpcConnector({ tls: mtls(pki.controller), timeoutMs: 5000 })({ host: 'lvs1', address: '127.0.0.1', port: resetting.port });
      const reason = await reasonOf(client.apply(directorPlan(2), 'apply', () => undefined));
      client.close();
      assert.match(reason, /the apply stream stopped mid-apply after 1 event \(the last, step add-service tcp 10\.0\.0\.100:80, [\d.]+ s before\): INTERNAL: Received RST_STREAM with code \d+.*; part of the plan may be applied: see lvsctl status/);
    } finally {
      await resetting.stop();
    }
    // a reset after the result: the result stands
    const afterResult = await startHostileHttp2(pki.agent, 'result-then-reset');
    try {
      const client = createGrpcConnector({ tls: mtls(pki.controller), timeoutMs: 5000 })({ host: 'lvs1', address: '127.0.0.1', port: afterResult.port });
      const got = await client.apply(directorPlan(2), 'apply', () => undefined);
      client.close();
      assert.deepEqual(got, { kind: 'result', outcome: 'changed', changed: 1, message: '1 change(s) applied' });
    } finally {
      await afterResult.stop();
    }
  });

  it('takes an apply\'s result when the agent then leaves the stream open: done within --timeout, not at the deadline', async () => {
    const result = { kind: 'result' as const, outcome: 'changed' as const, changed: 1, message: '1 change(s) applied' };
    const step = { kind: 'step' as const, action: 'add-service', target: 'tcp 10.0.0.100:80', status: 'changed' as const, message: '' };
    const lingering = await startFakeAgent({ role: 'director', tls: pki.agent, applyWire: [applyEventToWire(step), applyEventToWire(result)] });
    try {
      const client = createGrpcConnector({ tls: mtls(pki.controller), timeoutMs: 1500 })({ host: 'lvs1', address: '127.0.0.1', port: lingering.port });
      const started = Date.now();
      const events: string[] = [];
      const got = await client.apply(directorPlan(2), 'apply', (e) => events.push(e.kind));
      client.close();
      assert.deepEqual(got, result);
      assert.deepEqual(events, ['step', 'result']);
      assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    } finally {
      await lingering.stop();
    }
  });

  it('cuts off an agent whose apply streams events without end, saying so, and keeps no more of them than the bound', async () => {
    const step = { kind: 'step' as const, action: 'add-destination', target: `tcp 10.0.0.100:80 -> 10.0.0.11:80 ${'x'.repeat(200)}`, status: 'changed' as const, message: '' };
    const flooding = await startFakeAgent({ role: 'director', tls: pki.agent, flood: { apply: step } });
    try {
      const client = createGrpcConnector({ tls: mtls(pki.controller), timeoutMs: 10_000, applyStream: { bytes: 64 * 1024 * 1024, events: 20_000 } })({ host: 'lvs1', address: '127.0.0.1', port: flooding.port });
      let kept = 0;
      const reason = await reasonOf(client.apply(directorPlan(2), 'apply', () => { kept++; }));
      client.close();
      assert.match(reason, /agent of lvs1 sent more than 20,000 events on one apply's stream, more than any apply makes; stopped listening/);
      assert.strictEqual(kept, 20_000);
      await until(() => flooding.flooded().cancelled, 'the apply stream was not cancelled');
      const byBytes = createGrpcConnector({ tls: mtls(pki.controller), timeoutMs: 10_000, applyStream: { bytes: 1024 * 1024, events: 1_000_000 } })({ host: 'lvs1', address: '127.0.0.1', port: flooding.port });
      kept = 0;
      const bytesReason = await reasonOf(byBytes.apply(directorPlan(2), 'apply', () => { kept++; }));
      byBytes.close();
      assert.match(bytesReason, /agent of lvs1 sent more than 1 MiB on one apply's stream/);
      assert.ok(kept < 1024 * 1024 / 200, `kept ${kept} events of ~250 bytes past 1 MiB`);
    } finally {
      await flooding.stop();
    }
  });

  it('says an apply stopped mid-apply when its agent froze (SIGSTOP): keepalive pings unanswered, part of the plan may be applied', async () => {
    const frozen = await startAgentProcess('director', pki.agent);
    try {
      const client = createGrpcConnector({ tls: mtls(pki.controller), timeoutMs: 5000, keepalive: { pingEveryMs: 300, answerWithinMs: 300 } })({ host: 'lvs1', address: '127.0.0.1', port: frozen.port });
      const events: string[] = [];
      const reason = await reasonOf(client.apply(directorPlan(), 'apply', (event) => {
        events.push(event.kind);
        // the agent's first step is here: the apply is under way, freeze its process
        if (events.length === 1) frozen.freeze();
      }));
      client.close();
      assert.match(reason, /agent of lvs1 at 127\.0\.0\.1:\d+: the apply stream stopped mid-apply after 1 event \(the last, step read-state lvs1, [\d.]+ s before\): the connection dropped: the agent stopped, froze or restarted, or the network between was cut\? \(see its log\); part of the plan may be applied/);
    } finally {
      await frozen.stop();
    }
  });
});
