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

  it('never logs key or certificate material', () => {
    const text = log.lines.map((l) => JSON.stringify(l)).join('\n');
    assert.doesNotMatch(text, /BEGIN (CERTIFICATE|PRIVATE KEY|EC PRIVATE KEY|RSA PRIVATE KEY)/);
  });
});
