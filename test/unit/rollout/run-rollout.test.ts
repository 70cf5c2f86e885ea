import assert from 'assert';
import type { DirectorPlan } from '../../../lvs/host-plan';
import { runRollout, type RolloutInput } from '../../../controller/rollout/run-rollout';
import { rolloutExitCode } from '../../../controller/rollout/exit-code';
import type { HostRecap, RolloutEvent, RolloutSummary } from '../../../controller/rollout/events';
import { EXIT } from '../../../controller/exit-codes';
import { ScriptedAgents, compileShop, step, type AgentScript } from './scripted-agents';
import { describeBlockers, type Blocker } from '../../../controller/rollout/gate';

const GENERATION = 1_700_000_000_000;

async function rollout(
  scripts: Record<string, AgentScript>,
  options: Partial<Pick<RolloutInput, 'mode' | 'limit' | 'parallel' | 'continueWithQuiesced'>> = {},
): Promise<{ summary: RolloutSummary; agents: ScriptedAgents; events: RolloutEvent[] }> {
  const { plans, targets } = compileShop();
  const agents = new ScriptedAgents(scripts, plans);
  const events: RolloutEvent[] = [];
  const summary = await runRollout({
    plans, targets, connector: agents.connector, mode: options.mode ?? 'apply', parallel: options.parallel ?? 4,
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.continueWithQuiesced ? { continueWithQuiesced: true } : {}),
    onEvent: (e) => events.push(e), clock: () => GENERATION,
  });
  return { summary, agents, events };
}

function recapOf(summary: RolloutSummary, host: string): HostRecap {
  const r = summary.hosts.find((h) => h.host === host);
  assert.ok(r, `no recap line for ${host}`);
  return r;
}

const arpFailure = step('check-arp_ignore', 'net.ipv4.conf.all.arp_ignore', 'failed', 'is 0, want 1', 'sysctl -w net.ipv4.conf.all.arp_ignore=1');

describe('rollout order', () => {
  it('applies every realserver before any director', async () => {
    const { agents, summary } = await rollout({ web1: { delayMs: 15 }, web2: { delayMs: 5 }, web3: { delayMs: 10 } });
    const order = agents.applies().map((c) => c.host);
    assert.deepStrictEqual(order.slice(0, 3).sort(), ['web1', 'web2', 'web3']);
    assert.deepStrictEqual(order.slice(3), ['lvs1']);
    assert.strictEqual(rolloutExitCode(summary), EXIT.ok);
  });

  it('says hello to every agent before applying anything', async () => {
    const { agents } = await rollout({});
    const firstApply = agents.calls.findIndex((c) => c.op === 'apply');
    const lastHello = agents.calls.map((c) => c.op).lastIndexOf('hello');
    assert.ok(lastHello < firstApply, 'an apply started before every hello was done');
    assert.strictEqual(agents.calls.filter((c) => c.op === 'hello').length, 4);
  });

  it('tells each director in its hello that an apply follows (it checks its table meanwhile), and no realserver', async () => {
    for (const mode of ['apply', 'check'] as const) {
      const { agents } = await rollout({}, { mode });
      const hellos = agents.calls.filter((c) => c.op === 'hello').map((c) => [c.host, c.applyFollows]).sort();
      assert.deepStrictEqual(hellos, [['lvs1', true], ['web1', false], ['web2', false], ['web3', false]], mode);
    }
  });

  it('stamps one generation on every host plan it sends', async () => {
    const { agents, summary } = await rollout({});
    assert.strictEqual(summary.generation, GENERATION);
    for (const call of agents.applies()) assert.strictEqual(call.plan?.generation, GENERATION, call.host);
  });

  it('has each host prepare its request before its apply: the plan and mode it is then applied with', async () => {
    const { agents } = await rollout({ web3: { delayMs: 10 } }, { limit: ['lvs1'] });
    const prepares = agents.calls.filter((c) => c.op === 'prepare');
    assert.deepStrictEqual(prepares.map((c) => c.host).sort(), ['lvs1', 'web1', 'web2', 'web3']);
    for (const apply of agents.applies()) {
      const prepared = prepares.find((c) => c.host === apply.host);
      assert.strictEqual(prepared?.plan, apply.plan, `${apply.host}: applied another plan object than it prepared`);
      assert.strictEqual(prepared?.mode, apply.mode, apply.host);
      assert.ok(prepared && agents.calls.indexOf(prepared) < agents.calls.indexOf(apply), `${apply.host}: prepared after its apply`);
    }
    // --limit lvs1: its realservers are verified read-only, and prepared so
    assert.deepStrictEqual(agents.applies().filter((c) => c.host !== 'lvs1').map((c) => c.mode), ['check', 'check', 'check']);
    for (const host of ['web1', 'web2', 'web3']) {
      assert.ok(agents.calls.findIndex((c) => c.host === host && c.op === 'prepare') > agents.calls.findIndex((c) => c.host === host && c.op === 'hello'), host);
    }
  });

  it('prepares the directors once the realservers\' requests are ready, while they verify', async () => {
    const { agents } = await rollout({ web1: { prepareMs: 30, delayMs: 60 }, web2: { prepareMs: 5, delayMs: 60 }, web3: { prepareMs: 5, delayMs: 60 } });
    const at = (host: string, op: string): number => agents.calls.findIndex((c) => c.host === host && c.op === op);
    for (const web of ['web1', 'web2', 'web3']) {
      assert.ok(at('lvs1', 'prepare') > at(web, 'prepared'), `the director was prepared before ${web}'s request was ready`);
    }
    assert.ok(at('lvs1', 'prepare') < at('web1', 'apply'), 'the director was not prepared while the realservers verified');
    assert.ok(at('lvs1', 'prepare') < at('lvs1', 'apply'));
  });

  it('does not prepare a director once its phase began: its apply encodes', async () => {
    // the realservers' requests are ready only after they were applied (a slow prepare, a quick apply)
    const { agents } = await rollout({ web1: { prepareMs: 80 }, web2: { prepareMs: 80 }, web3: { prepareMs: 80 } });
    assert.strictEqual(agents.calls.filter((c) => c.host === 'lvs1' && c.op === 'prepare').length, 0);
    assert.strictEqual(agents.applies().filter((c) => c.host === 'lvs1').length, 1);
  });

  it('prepares nothing for an agent whose role is not the plan\'s', async () => {
    const { agents } = await rollout({ lvs1: { role: 'realserver' } });
    assert.deepStrictEqual(agents.calls.filter((c) => c.op === 'prepare').map((c) => c.host).sort(), ['web1', 'web2', 'web3']);
  });

  it('lists the recap realservers first, then directors', async () => {
    const { summary } = await rollout({});
    assert.deepStrictEqual(summary.hosts.map((h) => h.host), ['web1', 'web2', 'web3', 'lvs1']);
  });

  it('closes every client it opened', async () => {
    const { agents } = await rollout({ web2: { unreachableAt: 'apply' } });
    assert.deepStrictEqual([...agents.closed].sort(), ['lvs1', 'web1', 'web2', 'web3']);
  });

  it('closes a client once its host is done, so that an unreachable agent is not dialled again meanwhile', async () => {
    // web2 unreachable at hello, web3 an agent of the wrong role, web1 verified; lvs1 runs on
    const { agents } = await rollout({ web2: { unreachableAt: 'hello' }, web3: { role: 'director' } }, { continueWithQuiesced: true });
    const at = (host: string, op: string): number => agents.calls.findIndex((c) => c.host === host && c.op === op);
    const lvs1Applied = at('lvs1', 'apply');
    assert.ok(lvs1Applied >= 0, 'lvs1 was not applied');
    for (const host of ['web1', 'web2', 'web3']) {
      assert.ok(at(host, 'close') >= 0 && at(host, 'close') < lvs1Applied, `${host} was still open when lvs1 was applied: ${JSON.stringify(agents.calls.map((c) => [c.host, c.op]))}`);
    }
    // each client is closed once
    assert.deepStrictEqual([...agents.closed].sort(), ['lvs1', 'web1', 'web2', 'web3']);
  });
});

describe('a realserver that does not pass', () => {
  it('stops the rollout before the directors, naming the host and its failed check, exit 2', async () => {
    const { agents, summary } = await rollout({ web1: { steps: [step('check-vip', '10.0.0.100 on lo', 'ok'), arpFailure] } });
    assert.ok(!agents.applies().some((c) => c.host === 'lvs1'), 'the director was applied');
    const lvs1 = recapOf(summary, 'lvs1');
    assert.strictEqual(lvs1.status, 'skipped');
    assert.strictEqual(lvs1.reason, 'not applied: realserver web1 failed check check-arp_ignore net.ipv4.conf.all.arp_ignore');
    assert.match(summary.stoppedBeforeDirectors ?? '', /web1/);
    assert.deepStrictEqual([recapOf(summary, 'web1').failed, recapOf(summary, 'web1').ok], [1, 1]);
    assert.strictEqual(rolloutExitCode(summary), EXIT.hostFailed);
  });

  it('names every failed check of every realserver that stops the directors', async () => {
    const vip = step('check-vip', '10.0.0.100', 'failed', 'not on lo', 'ip addr add 10.0.0.100/32 dev lo');
    const { summary } = await rollout({ web1: { steps: [vip, arpFailure] }, web3: { unreachableAt: 'hello' } });
    assert.strictEqual(
      summary.stoppedBeforeDirectors,
      'realserver web1 failed 2 checks: check-vip 10.0.0.100, check-arp_ignore net.ipv4.conf.all.arp_ignore; '
        + 'realserver web3 unreachable: deadline exceeded after 5s',
    );
  });

  it('names at most 20 failed checks of a realserver and counts the rest, whatever their text holds', async () => {
    const huge = 'x'.repeat(1_000_000);
    const failures = Array.from({ length: 300 }, (_, i) => step('check-x', `t${i}`, 'failed', huge, huge));
    const { summary } = await rollout({ web1: { steps: failures } });
    const reason = recapOf(summary, 'lvs1').reason ?? '';
    assert.match(reason, /^not applied: realserver web1 failed 300 checks: check-x t0, check-x t1, .*check-x t19, and 280 more$/);
    assert.ok(reason.length < 1000, `${reason.length} characters`);
    assert.strictEqual(recapOf(summary, 'web1').failed, 300);
  });

  it('says to fix the checks when checks failed, and what else to do when realservers were not reached', async () => {
    const failed = await rollout({ web1: { steps: [arpFailure] } });
    const lvs1 = failed.events.find((e) => e.kind === 'host-done' && e.host === 'lvs1');
    assert.ok(lvs1 && lvs1.kind === 'host-done');
    assert.strictEqual(lvs1.fix, 'fix the realserver checks above (each failed check names its fix), then run lvsctl rollout again');
    const unreached = await rollout({ web2: { unreachableAt: 'hello' } });
    const skipped = unreached.events.find((e) => e.kind === 'host-done' && e.host === 'lvs1');
    assert.ok(skipped && skipped.kind === 'host-done');
    assert.doesNotMatch(skipped.fix ?? '', /fix the realserver checks/);
    assert.match(skipped.fix ?? '', /^reach the realserver agents that did not answer .*--deadline.*, then run lvsctl rollout again \(or apply the directors now with --continue-with-quiesced/);
    const both = await rollout({ web1: { steps: [arpFailure] }, web2: { unreachableAt: 'hello' } });
    const mixed = both.events.find((e) => e.kind === 'host-done' && e.host === 'lvs1');
    assert.ok(mixed && mixed.kind === 'host-done');
    assert.match(mixed.fix ?? '', /^fix the failed realserver checks above \(each names its fix\); reach the realserver agents that did not answer/);
    const checked = await rollout({ web2: { unreachableAt: 'hello' } }, { mode: 'check' });
    const inCheck = checked.events.find((e) => e.kind === 'host-done' && e.host === 'lvs1');
    assert.ok(inCheck && inCheck.kind === 'host-done');
    assert.match(inCheck.fix ?? '', /then run lvsctl rollout again$/);
  });

  it('names 5 realservers that did not pass with their reasons, and counts the rest', () => {
    const blockers = (n: number): Blocker[] => Array.from({ length: n }, (_, i) => ({ host: `rs${i}`, why: 'unreachable: x', kind: 'unreachable' as const }));
    assert.strictEqual(describeBlockers(blockers(6)), 'realserver rs0 unreachable: x; realserver rs1 unreachable: x; realserver rs2 unreachable: x; realserver rs3 unreachable: x; realserver rs4 unreachable: x; and 1 more realserver that did not pass (each one\'s own line says why)');
    assert.match(describeBlockers(blockers(90)), /rs4 unreachable: x; and 85 more realservers that did not pass/);
    assert.strictEqual(describeBlockers(blockers(2)), 'realserver rs0 unreachable: x; realserver rs1 unreachable: x');
  });

  it('still verifies the other realservers (their results are in the recap)', async () => {
    const { summary } = await rollout({ web1: { steps: [arpFailure] }, web2: { steps: [step('prepare-vip', '10.0.0.100', 'changed')] } });
    assert.strictEqual(recapOf(summary, 'web2').status, 'changed');
    assert.strictEqual(recapOf(summary, 'web2').changed, 1);
  });

  it('treats an unreachable realserver like a failed one: directors skipped, exit 3', async () => {
    const { agents, summary } = await rollout({ web2: { unreachableAt: 'hello' } });
    assert.ok(!agents.applies().some((c) => c.host === 'lvs1'));
    assert.strictEqual(recapOf(summary, 'web2').status, 'unreachable');
    assert.strictEqual(recapOf(summary, 'web2').unreachable, 1);
    assert.match(recapOf(summary, 'lvs1').reason ?? '', /realserver web2 unreachable: deadline exceeded after 5s/);
    assert.strictEqual(rolloutExitCode(summary), EXIT.unreachable);
  });

  it('reports failed over unreachable when both happen (exit 2)', async () => {
    const { summary } = await rollout({ web1: { steps: [arpFailure] }, web2: { unreachableAt: 'connect' } });
    assert.match(recapOf(summary, 'web2').reason ?? '', /ECONNREFUSED/);
    assert.strictEqual(rolloutExitCode(summary), EXIT.hostFailed);
  });

  it('counts an agent lost in the middle of its apply as unreachable', async () => {
    const { summary } = await rollout({ web3: { unreachableAt: 'apply' } });
    assert.strictEqual(recapOf(summary, 'web3').status, 'unreachable');
    assert.match(recapOf(summary, 'web3').reason ?? '', /connection reset/);
  });

  it('with continueWithQuiesced, applies the director with that realserver at weight 0 and says so', async () => {
    const { agents, summary, events } = await rollout({ web1: { steps: [arpFailure] } }, { continueWithQuiesced: true });
    const sent = agents.applies().find((c) => c.host === 'lvs1')?.plan as DirectorPlan | undefined;
    assert.ok(sent, 'the director was not applied');
    const www = sent.services.find((s) => s.name === 'www');
    assert.deepStrictEqual(www?.realservers.map((r) => [r.host, r.destination.weight]), [['web1', 0], ['web2', 1]]);
    assert.ok(events.some((e) => e.kind === 'notice' && /web1 quiesced \(weight 0\) in service www/.test(e.message)));
    assert.strictEqual(rolloutExitCode(summary), EXIT.hostFailed, 'the failed realserver still fails the rollout');
  });
});

describe('an agent with the wrong role', () => {
  it('fails that host with a message naming both roles, and does not apply to it', async () => {
    const { agents, summary } = await rollout({ lvs1: { role: 'realserver' } });
    assert.ok(!agents.applies().some((c) => c.host === 'lvs1'));
    const lvs1 = recapOf(summary, 'lvs1');
    assert.strictEqual(lvs1.status, 'failed');
    assert.strictEqual(lvs1.failed, 1);
    assert.match(lvs1.reason ?? '', /10\.0\.0\.1:7400 has role realserver, but the plan makes lvs1 a director/);
    assert.strictEqual(rolloutExitCode(summary), EXIT.hostFailed);
  });

  it('blocks the directors when a realserver answers as a director', async () => {
    const { summary } = await rollout({ web1: { role: 'director' } });
    assert.strictEqual(recapOf(summary, 'lvs1').status, 'skipped');
  });
});

describe('the recap', () => {
  const changes = [step('add-service', 'tcp 10.0.0.100:80', 'changed'), step('add-destination', '10.0.0.11:80', 'changed'), step('mark-chain', 'LVSCTL-MARK', 'ok')];

  it('counts steps as Ansible does: ok includes changed', async () => {
    const { summary } = await rollout({ lvs1: { steps: changes } });
    const lvs1 = recapOf(summary, 'lvs1');
    assert.deepStrictEqual([lvs1.status, lvs1.ok, lvs1.changed, lvs1.failed, lvs1.unreachable], ['changed', 3, 2, 0, 0]);
  });

  it('shows changed=0 everywhere on a second rollout the agents find already applied', async () => {
    const same = changes.map((s) => ({ ...s, status: 'ok' as const }));
    const { summary } = await rollout({ lvs1: { steps: same }, web1: { steps: [step('check-vip', '10.0.0.100 on lo', 'ok')] } });
    for (const h of summary.hosts) assert.strictEqual(h.changed, 0, h.host);
    assert.strictEqual(recapOf(summary, 'lvs1').ok, 3);
    assert.strictEqual(rolloutExitCode(summary), EXIT.ok);
  });

  it('records the result of a client that returns it without streaming it', async () => {
    const { summary, events } = await rollout({ lvs1: { steps: changes, resultNotStreamed: true } });
    assert.strictEqual(recapOf(summary, 'lvs1').status, 'changed');
    assert.ok(events.some((e) => e.kind === 'agent' && e.host === 'lvs1' && e.event.kind === 'result'));
  });
});

describe('--check', () => {
  it('asks every agent in check mode and exits 0 when nothing failed, whatever would change', async () => {
    const { agents, summary } = await rollout({ lvs1: { steps: [step('add-service', 'tcp 10.0.0.100:80', 'changed')] } }, { mode: 'check' });
    assert.strictEqual(agents.applies().length, 4);
    for (const call of agents.applies()) assert.strictEqual(call.mode, 'check', call.host);
    assert.strictEqual(recapOf(summary, 'lvs1').changed, 1);
    assert.strictEqual(rolloutExitCode(summary), EXIT.ok);
  });

  it('exits 2 when a check fails', async () => {
    const { summary } = await rollout({ web1: { steps: [arpFailure] } }, { mode: 'check' });
    assert.strictEqual(rolloutExitCode(summary), EXIT.hostFailed);
  });
});

describe('--limit', () => {
  it('touches only a limited realserver, and no director', async () => {
    const { agents, summary } = await rollout({}, { limit: ['web1'] });
    assert.deepStrictEqual([...new Set(agents.calls.map((c) => c.host))], ['web1']);
    assert.deepStrictEqual(summary.hosts.map((h) => h.host), ['web1']);
  });

  it('verifies the realservers of a limited director read-only, then applies the director', async () => {
    const { agents, summary } = await rollout({}, { limit: ['lvs1'] });
    const modes = Object.fromEntries(agents.applies().map((c) => [c.host, c.mode]));
    assert.deepStrictEqual(modes, { web1: 'check', web2: 'check', web3: 'check', lvs1: 'apply' });
    assert.strictEqual(recapOf(summary, 'web1').mode, 'check');
  });

  it('does not apply a limited director when a realserver outside --limit still needs preparing', async () => {
    const { agents, summary } = await rollout({ web2: { steps: [step('prepare-vip', '10.0.0.100 on lo', 'changed')] } }, { limit: ['lvs1'] });
    assert.ok(!agents.applies().some((c) => c.host === 'lvs1'));
    assert.match(recapOf(summary, 'lvs1').reason ?? '', /web2 is outside --limit and still needs preparing/);
  });

  it('applies a realserver inside --limit in apply mode alongside its director', async () => {
    const { agents } = await rollout({}, { limit: ['lvs1', 'web2'] });
    const modes = Object.fromEntries(agents.applies().map((c) => [c.host, c.mode]));
    assert.deepStrictEqual(modes, { web1: 'check', web2: 'apply', web3: 'check', lvs1: 'apply' });
  });

  it('refuses a host the plan does not have', async () => {
    await assert.rejects(rollout({}, { limit: ['web9'] }), /--limit names hosts the plan does not have: web9/);
  });
});

describe('--parallel', () => {
  for (const parallel of [1, 2, 3]) {
    it(`never has more than ${parallel} agent call${parallel > 1 ? 's' : ''} in flight, and uses that many`, async () => {
      const slow: AgentScript = { delayMs: 10 };
      const { agents } = await rollout({ lvs1: slow, web1: slow, web2: slow, web3: slow }, { parallel });
      assert.strictEqual(agents.maxInFlight, parallel);
    });
  }

  it('refuses a parallel that is not a positive integer', async () => {
    await assert.rejects(rollout({}, { parallel: 0 }), /positive integer/);
  });
});
