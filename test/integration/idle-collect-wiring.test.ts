// The agent's collection once idle (agent/idle-collect.ts) as the gRPC service drives it:
// from a plan's arrival (its decode yields to the event loop for seconds at 20,000 services)
// to the end of its apply no collection may start, busy() and idle() pair up on every path,
// a Hello that announces an apply puts a waiting collection off, and a draining agent stops
// it for good (the apply still in flight ends after the drain began).
import assert from 'assert';
import { status } from '@grpc/grpc-js';
import { hostPlanToWire } from '../../lvs/wire/host-plan-encode';
import { directorPlan } from '../unit/wire/sample-host-plans';
import { clientTo, mtls, startTestAgent, type TestAgent } from './support/agent-harness';
import { FakeApplier } from './support/fake-applier';
import { until } from './support/health-agent';
import { makeTestPki, type TestPki } from './support/pki';
import { rawApply } from './support/raw-client';

/** Waits until `calls` holds as many as `want`, then compares (idle() comes once the stream is ended, a moment after the client saw the end). */
async function told(calls: string[], want: string[]): Promise<void> {
  await until(`the collector told ${want.join(', ')}`, () => (calls.length >= want.length ? true : undefined), 2_000);
  assert.deepStrictEqual(calls, want);
}

describe('the collection once idle, as the agent service drives it', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let agent: TestAgent;
  const calls: string[] = [];
  const recorder = {
    busy: () => void calls.push('busy'),
    idle: () => void calls.push('idle'),
    cancel: () => void calls.push('cancel'),
    stop: () => void calls.push('stop'),
  };

  before(async () => {
    pki = await makeTestPki();
  });
  after(() => pki.cleanup());
  beforeEach(async () => {
    calls.length = 0;
    agent = await startTestAgent({ tls: pki.agent, idleCollector: recorder });
  });
  afterEach(async () => {
    await agent.stop();
  });

  it('is held from the plan\'s arrival to the end of its apply, and let go once', async () => {
    // the applier says when it runs, in the same list: busy() must come before it and idle()
    // after (the client's first event is no witness: under load it comes after the whole apply)
    await agent.stop();
    class RecordingApplier extends FakeApplier {
      override async apply(...args: Parameters<FakeApplier['apply']>): ReturnType<FakeApplier['apply']> {
        calls.push('applying');
        return super.apply(...args);
      }
    }
    calls.length = 0;
    agent = await startTestAgent({ tls: pki.agent, idleCollector: recorder, applier: () => new RecordingApplier() });
    const client = clientTo(agent.port, mtls(pki.controller));
    try {
      await client.apply(directorPlan(3), 'apply', () => undefined);
    } finally {
      client.close();
    }
    await told(calls, ['busy', 'applying', 'idle']);
  });

  it('is let go after a plan refused at its decode, as after one applied', async () => {
    const wire = hostPlanToWire(directorPlan(3));
    wire.director!.services![1].realservers![0].destination!.weight = 65536;
    const { error } = await rawApply(agent.port, pki.controller, { mode: 'APPLY_MODE_APPLY', plan: wire });
    assert.strictEqual(error?.code, status.INVALID_ARGUMENT);
    await told(calls, ['busy', 'idle']);
  });

  it('is put off by a Hello that announces an apply, and not by one that does not', async () => {
    const client = clientTo(agent.port, mtls(pki.controller));
    try {
      await client.hello({ applyFollows: false });
      assert.deepStrictEqual(calls, []);
      await client.hello({ applyFollows: true });
      await told(calls, ['cancel']);
    } finally {
      client.close();
    }
  });

  it('is stopped when the agent drains, before the apply in flight lets it go', async () => {
    agent.applier.delayMs = 300;
    const client = clientTo(agent.port, mtls(pki.controller));
    try {
      const applying = client.apply(directorPlan(3), 'apply', () => undefined);
      await until('the apply to start', () => (agent.applier.calls.length > 0 ? true : undefined));
      const draining = agent.service.drain();
      await applying;
      await draining;
    } finally {
      client.close();
    }
    await told(calls, ['busy', 'stop', 'idle']);
  });
});
