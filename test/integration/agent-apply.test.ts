import assert from 'assert';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { status } from '@grpc/grpc-js';
import type { ApplyEvent } from '../../lvs/apply-events';
import type { HostPlan } from '../../lvs/host-plan';
import { hostPlanToWire } from '../../lvs/wire/host-plan-encode';
import { AgentUnreachableError } from '../../controller/client/agent-client';
import { directorPlan, realserverPlan } from '../unit/wire/sample-host-plans';
import { clientTo, mtls, startTestAgent, type TestAgent } from './support/agent-harness';
import { makeTestPki, type TestPki } from './support/pki';
import { rawApply } from './support/raw-client';

describe('Apply over gRPC', () => {
  let pki: TestPki;
  let agent: TestAgent;

  before(async () => {
    pki = await makeTestPki();
  });
  after(() => pki.cleanup());
  beforeEach(async () => {
    agent = await startTestAgent({ tls: pki.agent, role: 'director' });
  });
  afterEach(async () => {
    await agent.stop();
  });

  async function applyThroughConnector(plan: HostPlan, mode: 'check' | 'apply' = 'apply') {
    const client = clientTo(agent.port, mtls(pki.controller));
    const events: ApplyEvent[] = [];
    try {
      const result = await client.apply(plan, mode, (e) => events.push(e));
      return { result, events };
    } finally {
      client.close();
    }
  }

  it('does not send a request over the 16 MiB an agent takes: the host fails, naming the size and the way out', async () => {
    // 70 services x 1,000 realservers whose host names are 250 characters: about 18 MB encoded
    const longName = (n: number): string => `h${n}`.padEnd(250, 'x');
    const big: HostPlan = {
      role: 'director', cluster: 'shop', host: 'lvs1', generation: 9, marks: [],
      services: Array.from({ length: 70 }, (_, i) => ({
        name: `s${i}`,
        service: { key: { kind: 'tcp' as const, vip: `10.3.0.${i}`, port: 80 }, scheduler: 'wlc' as const, flags: [] },
        realservers: Array.from({ length: 1000 }, (_, k) => ({ host: longName(k), destination: { address: `10.4.${k >> 8}.${k & 255}`, port: 80, weight: 1, forwarding: 'nat' as const } })),
      })),
    };
    await assert.rejects(applyThroughConnector(big), (err: Error) => {
      assert.ok(!(err instanceof AgentUnreachableError), 'a plan too large is the plan\'s failure, not an unreachable agent');
      assert.match(err.message, /^lvs1's share of the plan encodes to 1[6-9]\.\d MiB, over the 16\.0 MiB one request to an agent may be; not sent \(split its services/);
      return true;
    });
    assert.strictEqual(agent.applier.calls.length, 0, 'nothing reached the agent');
  });

  /**
   * An agent whose applier is wrapped as the agent wraps it (health/wire-up.ts): it emits its
   * result as soon as the kernel is done, then keeps the plan for health (`keeping`) before it returns.
   */
  function agentKeepingAfterResult(keeping: (stateDir: string) => Promise<void>): Promise<TestAgent> {
    return startTestAgent({
      tls: pki.agent,
      role: 'director',
      applier: (stateDir) => ({
        async apply(_plan, _mode, emit) {
          const result = { kind: 'result', outcome: 'changed', changed: 1, message: '1 change(s) applied' } as const;
          emit(result);
          await keeping(stateDir);
          return result;
        },
      }),
    });
  }

  /**
   * An apply of `generation` whose record's rename over generation.json meets a directory that
   * is not empty: the controller gets the result (the kernel holds the plan), then INTERNAL
   * naming the file. Returns the file (a directory now).
   */
  async function assertResultThenInternalWhenGenerationBlocked(target: TestAgent, generation: number): Promise<string> {
    const file = join(target.stateDir, 'generation.json');
    rmSync(file);
    mkdirSync(join(file, 'in-the-way'), { recursive: true });
    const { events, error } = await rawApply(target.port, pki.controller, { mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(directorPlan(generation)) });
    const results = events.flatMap((e) => (e.result ? [String(e.result.outcome)] : []));
    assert.strictEqual(results.length, 1, 'the controller learns what the kernel holds');
    assert.match(results[0] ?? '', /CHANGED/);
    assert.strictEqual(error?.code, status.INTERNAL);
    assert.match(error?.details ?? '', /the agent failed unexpectedly: .*generation\.json/);
    return file;
  }

  it('streams the applier\'s events in order, the result last', async () => {
    const { result, events } = await applyThroughConnector(directorPlan(3));
    assert.deepStrictEqual(events.map((e) => e.kind), ['step', 'diff', 'step', 'result']);
    assert.deepStrictEqual(events[2], { kind: 'step', action: 'add-service', target: 'tcp 10.0.0.100:80', status: 'changed', message: 'added' });
    assert.deepStrictEqual(result, { kind: 'result', outcome: 'changed', changed: 1, message: 'apply of generation 3 done' });
    assert.deepStrictEqual(events[3], result);
  });

  it('hands the applier the plan exactly as the controller compiled it', async () => {
    await applyThroughConnector(directorPlan(3), 'check');
    assert.deepStrictEqual(agent.applier.calls.map((c) => [c.mode, c.plan]), [['check', directorPlan(3)]]);
  });

  it('sends the request prepare() encoded when apply() gets that same plan and mode', async () => {
    const client = clientTo(agent.port, mtls(pki.controller));
    try {
      const plan = directorPlan(3);
      client.prepare?.(plan, 'check');
      await client.apply(plan, 'check', () => undefined);
      assert.deepStrictEqual(agent.applier.calls.map((c) => [c.mode, c.plan]), [['check', directorPlan(3)]]);
    } finally {
      client.close();
    }
  });

  it('encodes afresh when apply() gets another plan or mode than prepare() had', async () => {
    const client = clientTo(agent.port, mtls(pki.controller));
    try {
      client.prepare?.(directorPlan(3), 'apply');
      await client.apply(directorPlan(4), 'apply', () => undefined);
      client.prepare?.(directorPlan(5), 'apply');
      await client.apply(directorPlan(6), 'check', () => undefined);
      assert.deepStrictEqual(agent.applier.calls.map((c) => [c.mode, c.plan]), [['apply', directorPlan(4)], ['check', directorPlan(6)]]);
    } finally {
      client.close();
    }
  });

  it('sends nothing once the client is closed, a request prepared or not', async () => {
    const client = clientTo(agent.port, mtls(pki.controller));
    client.prepare?.(directorPlan(3), 'apply');
    client.close();
    await assert.rejects(client.apply(directorPlan(3), 'apply', () => undefined));
    assert.deepStrictEqual(agent.applier.calls, []);
  });

  it('sends the result itself when the applier only returned it', async () => {
    agent.applier.emitsResult = false;
    const { result, events } = await applyThroughConnector(directorPlan(3));
    assert.deepStrictEqual(events[events.length - 1], result);
    assert.strictEqual(events.filter((e) => e.kind === 'result').length, 1);
  });

  it('answers INVALID_ARGUMENT naming the bad field, and never calls the applier', async () => {
    const wire = hostPlanToWire(directorPlan(3));
    wire.director!.services![1].realservers![0].destination!.weight = 65536;
    const { error } = await rawApply(agent.port, pki.controller, { mode: 'APPLY_MODE_APPLY', plan: wire });
    assert.strictEqual(error?.code, status.INVALID_ARGUMENT);
    assert.strictEqual(error?.details, 'invalid host plan: services[1].realservers[0].destination.weight: must be 0..65535');
    assert.strictEqual(agent.applier.calls.length, 0);
  });

  it('refuses a message over 16 MiB unread (RESOURCE_EXHAUSTED)', async () => {
    const wire = hostPlanToWire(directorPlan(3));
    wire.cluster = 'x'.repeat(17 * 1024 * 1024);
    const { error } = await rawApply(agent.port, pki.controller, { mode: 'APPLY_MODE_APPLY', plan: wire });
    assert.strictEqual(error?.code, status.RESOURCE_EXHAUSTED);
    assert.match(error?.details ?? '', /^Received message larger than max \(\d+ vs 16777216\)$/);
    assert.strictEqual(agent.applier.calls.length, 0);
  });

  it('answers INVALID_ARGUMENT to a request without a mode', async () => {
    const { error } = await rawApply(agent.port, pki.controller, { plan: hostPlanToWire(directorPlan(3)) });
    assert.strictEqual(error?.code, status.INVALID_ARGUMENT);
    assert.match(error?.details ?? '', /^invalid apply request: mode: must be one of APPLY_MODE_CHECK, APPLY_MODE_APPLY/);
  });

  it('answers FAILED_PRECONDITION naming both roles when a director is sent a realserver plan', async () => {
    const { error } = await rawApply(agent.port, pki.controller, { mode: 'APPLY_MODE_CHECK', plan: hostPlanToWire(realserverPlan(3)) });
    assert.strictEqual(error?.code, status.FAILED_PRECONDITION);
    assert.match(error?.details ?? '', /this agent is a director but was sent a realserver plan for host "web1"/);
    assert.strictEqual(agent.applier.calls.length, 0);
  });

  it('shows the controller a refused plan as a failed result with the agent\'s reason', async () => {
    const { result, events } = await applyThroughConnector(realserverPlan(3));
    assert.strictEqual(result.outcome, 'failed');
    assert.match(result.message, /answered FAILED_PRECONDITION: this agent is a director but was sent a realserver plan/);
    assert.deepStrictEqual(events, [result]);
  });

  it('answers ABORTED naming both generations to a plan older than the one applied', async () => {
    await applyThroughConnector(directorPlan(10));
    const { error } = await rawApply(agent.port, pki.controller, { mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(directorPlan(9)) });
    assert.strictEqual(error?.code, status.ABORTED);
    assert.match(error?.details ?? '', /plan generation 9 is older than generation 10 already applied on this host/);
    assert.strictEqual(agent.applier.calls.length, 1);
  });

  it('answers FAILED_PRECONDITION naming the generation file and the fix when that file is not the agent\'s, and applies nothing', async () => {
    const file = join(agent.stateDir, 'generation.json');
    writeFileSync(file, '{"garbage');
    const { error } = await rawApply(agent.port, pki.controller, { mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(directorPlan(9)) });
    assert.strictEqual(error?.code, status.FAILED_PRECONDITION);
    assert.strictEqual(error?.details, `${file}: not JSON (Unterminated string in JSON at position 9). The agent cannot tell which plan generation it applied last, so it applies none. Fix: remove the file (the next apply writes it again; until then an older rollout is not told apart from a newer one).`);
    assert.strictEqual(agent.applier.calls.length, 0);
    rmSync(file);
    const { result } = await applyThroughConnector(directorPlan(9));
    assert.strictEqual(result.outcome, 'changed');
  });

  it('applies the same generation again (a re-run of the same rollout)', async () => {
    await applyThroughConnector(directorPlan(10));
    const { result } = await applyThroughConnector(directorPlan(10));
    assert.strictEqual(result.outcome, 'changed');
  });

  it('never records the generation of a check', async () => {
    await applyThroughConnector(directorPlan(10), 'check');
    const { result } = await applyThroughConnector(directorPlan(5));
    assert.strictEqual(result.outcome, 'changed');
  });

  it('does not record the generation of a failed (rolled back) apply', async () => {
    agent.applier.outcome = 'failed';
    await applyThroughConnector(directorPlan(10));
    agent.applier.outcome = 'changed';
    const { result } = await applyThroughConnector(directorPlan(5));
    assert.strictEqual(result.outcome, 'changed');
  });

  it('sends the result only once the agent is done with the apply: its generation on disk, the plan handed over', async () => {
    let handedOver = false;
    const wrapped = await agentKeepingAfterResult(async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      handedOver = true;
    });
    const client = clientTo(wrapped.port, mtls(pki.controller));
    try {
      const seen: Array<{ handedOver: boolean; generationFile: string }> = [];
      await client.apply(directorPlan(12), 'apply', (event) => {
        if (event.kind === 'result') seen.push({ handedOver, generationFile: readFileSync(join(wrapped.stateDir, 'generation.json'), 'utf8') });
      });
      assert.deepStrictEqual(seen, [{ handedOver: true, generationFile: '{"generation":12}\n' }]);
    } finally {
      client.close();
      await wrapped.stop();
    }
  });

  it('writes the generation as soon as the applier has its result, while the plan is still being kept for health', async () => {
    // the two state files' fsyncs overlap: the generation does not wait for the last-plan file
    const generationFile = (dir: string): string => {
      try {
        return readFileSync(join(dir, 'generation.json'), 'utf8');
      } catch {
        return '';
      }
    };
    let seenBeforeHandOver = false;
    // the wrapping's work (the last-plan file, the hand-over) goes on for up to 2 s
    const wrapped = await agentKeepingAfterResult(async (stateDir) => {
      for (let waited = 0; waited < 2000 && !seenBeforeHandOver; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seenBeforeHandOver = generationFile(stateDir) === '{"generation":13}\n';
      }
    });
    const client = clientTo(wrapped.port, mtls(pki.controller));
    try {
      const result = await client.apply(directorPlan(13), 'apply', () => undefined);
      assert.strictEqual(result.outcome, 'changed');
      assert.strictEqual(seenBeforeHandOver, true, 'generation.json held 13 before the applier returned');
    } finally {
      client.close();
      await wrapped.stop();
    }
  });

  it('a generation that cannot be written while the plan is still being kept: the result, then INTERNAL, and the agent serves on', async () => {
    // the record fails meanwhile: nothing awaits it until the applier returns
    const wrapped = await agentKeepingAfterResult(() => new Promise((resolve) => setTimeout(resolve, 200)));
    try {
      // one apply first: the agent reads generation.json once, at its first apply
      assert.strictEqual((await rawApply(wrapped.port, pki.controller, { mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(directorPlan(13)) })).error, undefined);
      const file = await assertResultThenInternalWhenGenerationBlocked(wrapped, 14);
      rmSync(file, { recursive: true });
      const next = await rawApply(wrapped.port, pki.controller, { mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(directorPlan(15)) });
      assert.strictEqual(next.error, undefined);
      assert.strictEqual(readFileSync(file, 'utf8'), '{"generation":15}\n');
    } finally {
      await wrapped.stop();
    }
  });

  it('sends the result, then INTERNAL, when the generation cannot be recorded after the kernel took the plan', async () => {
    await applyThroughConnector(directorPlan(10));
    await assertResultThenInternalWhenGenerationBlocked(agent, 11);
  });

  it('runs two applies one after the other, never together', async () => {
    agent.applier.delayMs = 150;
    await Promise.all([applyThroughConnector(directorPlan(1)), applyThroughConnector(directorPlan(1))]);
    const [first, second] = agent.applier.calls;
    assert.ok(first.finishedAt !== undefined && second.startedAt >= first.finishedAt, 'the second apply started before the first finished');
  });

  it('on shutdown finishes the apply in flight and refuses the one queued behind it', async () => {
    agent.applier.delayMs = 300;
    const inFlight = applyThroughConnector(directorPlan(1));
    await new Promise((r) => setTimeout(r, 100));
    const queued = applyThroughConnector(directorPlan(1)).then(
      () => 'applied',
      (err: unknown) => (err instanceof AgentUnreachableError ? err.message : String(err)),
    );
    while (agent.service.waitingApplies < 1) await new Promise((r) => setTimeout(r, 10));
    const stopped = agent.running.shutdown();
    assert.strictEqual((await inFlight).result.outcome, 'changed');
    assert.match(await queued, /shutting down; run the rollout again once it is back/);
    await stopped;
    assert.strictEqual(agent.applier.calls.length, 1);
  });
});
