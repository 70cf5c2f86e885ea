// Steps in batches on the Apply stream (ApplyEvent.steps): a real agent sends them to a
// controller that asks for them (ApplyRequest.accepts_step_batches), one message per event to
// one that does not; the controller reads both forms, and `lvsctl rollout` prints the same
// bytes, human and --json, whichever form the agent sent. A batch over the bound is refused.
import assert from 'assert';
import type { ApplyEvent, ApplyMode, HostApplier, ResultEvent, StepEvent } from '../../lvs/apply-events';
import type { HostPlan } from '../../lvs/host-plan';
import { executeRollout, type RolloutCommandDeps } from '../../controller/cli/rollout-command';
import { AgentUnreachableError, type AgentConnector } from '../../controller/client/agent-client';
import { createGrpcConnector } from '../../controller/client/grpc-client';
import { planSchema } from '../../controller/plan/schema';
import { decodeApplyEvents, stepEventToWire } from '../../lvs/wire/apply-event-codec';
import { hostPlanToWire } from '../../lvs/wire/host-plan-encode';
import { LIMITS } from '../../lvs/wire/limits';
import { loadAgentProto } from '../../lvs/wire/proto-loader';
import type { ApplyEvent as WireApplyEvent } from '../../proto/generated/lvsctl/v1/ApplyEvent';
import { ScriptedAgents, SHOP_PLAN, compileShop } from '../unit/rollout/scripted-agents';
import { clientTo, mtls, startTestAgent, type TestAgent } from './support/agent-harness';
import { startFakeAgent, type FakeAgent } from './support/fake-agent-server';
import { makeTestPki, type TestPki } from './support/pki';
import { rawApply } from './support/raw-client';

const step = (i: number, extra: Partial<StepEvent> = {}): StepEvent => ({
  kind: 'step', action: 'add-destination', target: `tcp 10.0.${i >> 8}.${i & 255}:80 -> 192.168.0.${i % 250}:8080`, status: 'changed', message: `add destination ${i}`, ...extra,
});

/** The director's events: runs of steps longer than a batch, a step larger than one, text that is not ASCII, a pause mid-run. */
const BEFORE_PAUSE: ApplyEvent[] = [
  { kind: 'notice', message: 'unmanaged service tcp 10.9.9.9:22: not in the plan and not created by lvsctl; left alone' },
  { kind: 'diff', subject: 'ipvs', before: '-A -t 10.0.0.1:80 -s wlc\n', after: '-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 192.168.0.1:8080 -m -w 1\n' },
  ...Array.from({ length: 2_345 }, (_, i) => step(i, i % 500 === 7 ? { target: `tcp 10.0.0.${i & 255}:80 -> ràl-✓-目的地-${i}`, message: `ajouté ✓ ${i}` } : {})),
  step(9_000, { status: 'failed', message: 'is 0, want 1', fix: 'sysctl -w net.ipv4.vs.conntrack=1' }),
  step(9_001, { message: `a long one: ${'x'.repeat(300 * 1024)}` }),
  ...Array.from({ length: 40 }, (_, i) => step(10_000 + i)),
];
const AFTER_PAUSE: ApplyEvent[] = [
  ...Array.from({ length: 1_203 }, (_, i) => step(20_000 + i, { status: 'skipped', message: `skipped ${i} (not applied)` })),
  { kind: 'notice', message: 'draining tcp 10.0.0.1:80 -> 192.168.0.9:8080' },
  { kind: 'step', action: 'mark-chain', target: 'mangle LVSCTL-MARK', status: 'changed', message: 'replace the owned chain' },
];
const RESULT: ResultEvent = { kind: 'result', outcome: 'changed', changed: 2_387, message: '2387 change(s) applied' };
const EVENTS: ApplyEvent[] = [...BEFORE_PAUSE, ...AFTER_PAUSE, RESULT];
const STEPS = EVENTS.filter((e) => e.kind === 'step').length;

/** Emits EVENTS, waiting 20 ms (as on the kernel) between the two parts. */
class ScriptedDirector implements HostApplier {
  async apply(_plan: HostPlan, _mode: ApplyMode, emit: (event: ApplyEvent) => void): Promise<ResultEvent> {
    for (const e of BEFORE_PAUSE) emit(e);
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const e of AFTER_PAUSE) emit(e);
    emit(RESULT);
    return RESULT;
  }
}

/** The wire messages as the controller decodes them (rawApply hands out proto-loader's objects). */
function eventsOf(messages: WireApplyEvent[]): ApplyEvent[] {
  const serialize = loadAgentProto().lvsctl.v1.Agent.service.Apply.responseSerialize as (e: WireApplyEvent) => Buffer;
  return messages.flatMap((m) => decodeApplyEvents(serialize(m)));
}

describe('steps in batches on the Apply stream', function () {
  this.timeout(60_000);
  let pki: TestPki;
  let agent: TestAgent;
  let older: FakeAgent;

  before(async () => {
    pki = await makeTestPki();
    agent = await startTestAgent({ tls: pki.agent, applier: () => new ScriptedDirector() });
    // an agent from before batches: the same Hello, the same events, one message each
    older = await startFakeAgent({ role: 'director', tls: pki.agent, identity: { host: 'lvs1', version: '9.9.9', capabilities: ['ipvs'] }, applyEvents: EVENTS });
  });
  after(async () => {
    await agent?.stop();
    await older?.stop();
    pki?.cleanup();
  });

  const request = (acceptsStepBatches?: boolean): object => ({
    mode: 'APPLY_MODE_APPLY', plan: hostPlanToWire(compileShop().plans.get('lvs1') as HostPlan),
    ...(acceptsStepBatches === undefined ? {} : { acceptsStepBatches }),
  });

  it('sends a controller that asks for batches its steps in bounded batches, in order', async () => {
    const { events, error } = await rawApply(agent.port, pki.controller, request(true));
    assert.strictEqual(error, undefined);
    const batches = events.filter((e) => e.event === 'steps').map((e) => e.steps?.steps.length ?? 0);
    assert.ok(batches.length >= 4 && batches.length < 20, `${batches.length} batches for ${STEPS} steps: ${batches.join(', ')}`);
    assert.ok(batches.every((n) => n >= 1 && n <= LIMITS.stepsPerBatch), batches.join(', '));
    assert.strictEqual(events.filter((e) => e.event === 'step').length, 0);
    assert.deepStrictEqual(eventsOf(events), EVENTS);
  });

  it('sends an older controller (no accepts_step_batches) one StepEvent a message, as before', async () => {
    const { events, error } = await rawApply(agent.port, pki.controller, request());
    assert.strictEqual(error, undefined);
    assert.strictEqual(events.length, EVENTS.length);
    assert.ok(events.every((e) => e.event !== 'steps'));
    assert.deepStrictEqual(eventsOf(events), EVENTS);
  });

  /** `lvsctl rollout shop.json --diff [--json]`, with lvs1 served by the agent on `port` and the realservers in memory. */
  async function rollout(port: number, json: boolean): Promise<string> {
    const plan = planSchema.parse(SHOP_PLAN);
    const realservers = new ScriptedAgents({}, new Map(Object.entries(plan.hosts)));
    const grpc = createGrpcConnector({ tls: mtls(pki.controller), timeoutMs: 10_000 });
    const connector: AgentConnector = (target) => (target.host === 'lvs1' ? grpc({ ...target, address: '127.0.0.1', port }) : realservers.connector(target));
    let stdout = '';
    const deps: RolloutCommandDeps = {
      loadPlanFile: async () => ({ ok: true, plan, problems: [], warnings: [] }),
      resolveAddresses: async (p) => ({ addresses: new Map(Object.entries(p.hosts).map(([h, spec]) => [h, spec.address ?? ''])), problems: [] }),
      makeConnector: () => connector,
      stdout: { write: (t: string) => { stdout += t; }, isTTY: false },
      stderr: { write: (t: string) => { throw new Error(`stderr: ${t}`); } },
      env: {},
      clock: () => 5,
    };
    assert.strictEqual(await executeRollout('shop.json', { diff: true, json }, deps), 0);
    return stdout;
  }

  it('prints the same bytes, human and --json, whether the agent sent batches or single steps', async () => {
    const human = await rollout(agent.port, false);
    assert.strictEqual(human, await rollout(older.port, false));
    assert.strictEqual(human.split('\n').filter((l) => l.includes(' add-destination ')).length, STEPS - 1);
    assert.match(human, /ràl-✓-目的地-7\n/);
    assert.match(human, /sysctl -w net\.ipv4\.vs\.conntrack=1/);
    const json = await rollout(agent.port, true);
    assert.strictEqual(json, await rollout(older.port, true));
    const doc = JSON.parse(json) as { events: Array<{ kind: string; host?: string; event?: ApplyEvent }> };
    assert.deepStrictEqual(doc.events.filter((e) => e.kind === 'agent' && e.host === 'lvs1').map((e) => e.event), EVENTS);
  });

  it('refuses a batch over the bound, naming the agent and the bound', async () => {
    const steps = Array.from({ length: LIMITS.stepsPerBatch + 1 }, (_, i) => stepEventToWire(step(i)));
    const hostile = await startFakeAgent({ role: 'director', tls: pki.agent, applyWire: [{ steps: { steps } }] });
    const client = clientTo(hostile.port, mtls(pki.controller), 5_000);
    const seen: ApplyEvent[] = [];
    try {
      await assert.rejects(client.apply(compileShop().plans.get('lvs1') as HostPlan, 'apply', (e) => seen.push(e)), (err: unknown) => {
        assert.ok(err instanceof AgentUnreachableError);
        assert.match(err.message, new RegExp(`^agent of lvs1 sent a malformed answer \\(steps\\.steps: a batch may hold at most ${LIMITS.stepsPerBatch} steps; this one holds ${LIMITS.stepsPerBatch + 1}\\)`));
        return true;
      });
      assert.deepStrictEqual(seen, [], 'none of the batch reached the report');
    } finally {
      client.close();
      await hostile.stop();
    }
  });
});
