// The audit trail: every apply and every refusal is logged with the peer's address, its
// certificate name, the generation, the mode and the outcome; never key or certificate text.
import assert from 'assert';
import { makeTestPki, type TestPki } from './support/pki';
import { clientTo, mtls, startTestAgent, type TestAgent } from './support/agent-harness';
import { capturingLogger } from './support/capturing-logger';
import { directorPlan } from '../unit/wire/sample-host-plans';

describe('the audit trail of an agent', () => {
  let pki: TestPki;
  let agent: TestAgent;
  const log = capturingLogger();

  before(async () => {
    pki = await makeTestPki();
    agent = await startTestAgent({ tls: pki.agent, allow: ['controller'], logger: log.logger });
  });
  after(async () => {
    await agent.stop();
    pki.cleanup();
  });

  it('logs who asked for an apply, the generation, the mode and the outcome', async () => {
    const client = clientTo(agent.port, mtls(pki.controller));
    try {
      await client.apply(directorPlan(41), 'check', () => undefined);
    } finally {
      client.close();
    }
    const started = log.lines.find((l) => l.message === 'apply started');
    const finished = log.lines.find((l) => l.message === 'apply finished');
    assert.ok(started && finished, JSON.stringify(log.lines));
    for (const line of [started, finished]) {
      assert.match(String(line.peer), /^(ipv4:)?127\.0\.0\.1:\d+$/);
      assert.strictEqual(line.certificate, 'controller');
      assert.strictEqual(line.generation, 41);
      assert.strictEqual(line.mode, 'check');
    }
    assert.ok(typeof finished.outcome === 'string' && finished.outcome !== '', 'the outcome is logged');
    // the decode's cost: its time, the CPU and the fresh pages of memory behind it, whole numbers
    for (const field of ['decodeMs', 'decodeCpuMs', 'decodePageFaults']) {
      const value = started[field];
      assert.ok(Number.isInteger(value) && (value as number) >= 0, `the request's ${field} is logged: ${JSON.stringify(started)}`);
    }
  });

  it('logs a refused caller with its address and certificate name', async () => {
    const client = clientTo(agent.port, mtls(pki.intruder));
    await client.hello().catch(() => undefined);
    client.close();
    const refused = log.lines.find((l) => l.message === 'hello refused');
    assert.ok(refused, JSON.stringify(log.lines));
    assert.strictEqual(refused.certificate, 'intruder');
    assert.match(String(refused.peer), /127\.0\.0\.1/);
    assert.strictEqual(refused.code, 'PERMISSION_DENIED');
  });

  it('logs an apply that must wait for the one in flight, naming the generation it waits behind', async () => {
    agent.applier.delayMs = 300;
    const first = clientTo(agent.port, mtls(pki.controller));
    const second = clientTo(agent.port, mtls(pki.controller));
    try {
      const calls = agent.applier.calls.length;
      const inFlight = first.apply(directorPlan(50), 'apply', () => undefined);
      while (agent.applier.calls.length === calls) await new Promise((r) => setTimeout(r, 10));
      await Promise.all([inFlight, second.apply(directorPlan(51), 'apply', () => undefined)]);
    } finally {
      agent.applier.delayMs = 0;
      first.close();
      second.close();
    }
    const waiting = log.lines.find((l) => l.message === 'apply waiting for the one in flight');
    assert.ok(waiting, JSON.stringify(log.lines));
    assert.strictEqual(waiting.generation, 51);
    assert.strictEqual(waiting.behind, 50);
    assert.strictEqual(waiting.certificate, 'controller');
    const order = log.lines
      .filter((l) => l.generation === 50 || l.generation === 51)
      .map((l) => `${String(l.message)} ${String(l.generation)}`);
    assert.deepStrictEqual(order, ['apply started 50', 'apply waiting for the one in flight 51', 'apply finished 50', 'apply started 51', 'apply finished 51']);
  });

  it('finishes an apply whose controller went away, and logs that it did', async () => {
    agent.applier.delayMs = 300;
    const client = clientTo(agent.port, mtls(pki.controller));
    const calls = agent.applier.calls.length;
    const cut = client.apply(directorPlan(60), 'apply', () => undefined).catch(() => undefined);
    while (agent.applier.calls.length === calls) await new Promise((r) => setTimeout(r, 10));
    client.close();
    await cut;
    const finished = async (): Promise<Record<string, unknown> | undefined> => log.lines.find((l) => l.message === 'apply finished' && l.generation === 60);
    for (let i = 0; i < 200 && (await finished()) === undefined; i += 1) await new Promise((r) => setTimeout(r, 10));
    agent.applier.delayMs = 0;
    const gone = log.lines.find((l) => l.message === 'the controller went away mid-apply; the apply goes on to its end on its own');
    assert.ok(gone, JSON.stringify(log.lines));
    assert.strictEqual(gone.generation, 60);
    const end = await finished();
    assert.ok(end, JSON.stringify(log.lines));
    assert.strictEqual(end.outcome, 'changed');
    assert.strictEqual(end.controllerGone, true);
    assert.ok(agent.applier.calls.at(-1)?.finishedAt !== undefined, 'the applier ran to its end');
  });

  it('never logs key or certificate material', () => {
    const text = log.lines.map((l) => JSON.stringify(l)).join('\n');
    assert.doesNotMatch(text, /BEGIN (CERTIFICATE|PRIVATE KEY|EC PRIVATE KEY|RSA PRIVATE KEY)/);
  });
});
