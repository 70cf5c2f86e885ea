import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runRollout } from '../../../controller/rollout/run-rollout';
import { rolloutExitCode } from '../../../controller/rollout/exit-code';
import type { RolloutEvent, RolloutSummary } from '../../../controller/rollout/events';
import type { PlanInput } from '../../../controller/plan/schema';
import { EXIT } from '../../../controller/exit-codes';
import { ScriptedAgents, compileShop, type AgentScript } from './scripted-agents';

const HA_PLAN = JSON.parse(readFileSync(resolve(__dirname, '..', '..', '..', ...(__dirname.includes('/dist/') ? ['..'] : []), 'examples', 'ha.json'), 'utf8')) as PlanInput;

async function rollout(scripts: Record<string, AgentScript>, limit?: string[], plan: PlanInput = HA_PLAN): Promise<{ summary: RolloutSummary; agents: ScriptedAgents; events: RolloutEvent[] }> {
  const { plans, targets } = compileShop(plan);
  const agents = new ScriptedAgents(scripts, plans);
  const events: RolloutEvent[] = [];
  const summary = await runRollout({
    plans, targets, connector: agents.connector, mode: 'apply', parallel: 4,
    ...(limit ? { limit } : {}), onEvent: (e) => events.push(e), clock: () => 1,
  });
  return { summary, agents, events };
}

describe('rollout of a director group', () => {
  it('applies the backup before the planned master, one at a time, and reports one table', async () => {
    const { agents, summary } = await rollout({ lvs2: { delayMs: 20 } });
    const directors = agents.applies().map((c) => c.host).filter((h) => h.startsWith('lvs'));
    assert.deepEqual(directors, ['lvs2', 'lvs1']);
    assert.deepEqual(summary.groups, [{ group: 'front', master: 'lvs1', directors: ['lvs2', 'lvs1'], tablesMatch: true, differing: [] }]);
    assert.equal(rolloutExitCode(summary), EXIT.ok);
  });

  it('stops the group at a failed backup: the master is skipped and keeps the same table', async () => {
    const { agents, summary } = await rollout({ lvs2: { outcome: 'failed' } });
    assert.ok(!agents.applies().some((c) => c.host === 'lvs1'));
    const lvs1 = summary.hosts.find((h) => h.host === 'lvs1');
    assert.equal(lvs1?.status, 'skipped');
    assert.match(lvs1?.reason ?? '', /lvs2 of group front failed, so the group keeps one table/);
    assert.equal(rolloutExitCode(summary), EXIT.hostFailed);
  });

  it('stops the group at a director that failed before its apply (unreachable, the wrong role): the other is not applied alone', async () => {
    for (const lvs2 of [{ unreachableAt: 'connect' as const }, { unreachableAt: 'hello' as const }, { role: 'realserver' as const }]) {
      const { agents, summary } = await rollout({ lvs2 });
      assert.ok(!agents.applies().some((c) => c.host === 'lvs1'), JSON.stringify(lvs2));
      const lvs1 = summary.hosts.find((h) => h.host === 'lvs1');
      assert.equal(lvs1?.status, 'skipped', JSON.stringify(lvs2));
      assert.match(lvs1?.reason ?? '', /^not applied: lvs2 of group front (unreachable|failed) before its apply, so the group keeps one table$/);
      assert.notEqual(rolloutExitCode(summary), EXIT.ok);
    }
    // a check changes nothing: the other director is checked all the same
    const { plans, targets } = compileShop(HA_PLAN);
    const agents = new ScriptedAgents({ lvs2: { unreachableAt: 'connect' } }, plans);
    const checked = await runRollout({ plans, targets, connector: agents.connector, mode: 'check', parallel: 4, onEvent: () => undefined, clock: () => 1 });
    assert.notEqual(checked.hosts.find((h) => h.host === 'lvs1')?.status, 'skipped');
  });

  it('goes on past a director whose keepalived is not running (it holds no VRRP role)', async () => {
    const notRunning = { steps: [{ kind: 'step' as const, action: 'precondition', target: 'keepalived', status: 'failed' as const, message: 'keepalived is not running', fix: 'start it' }], outcome: 'failed' as const };
    const { agents, summary } = await rollout({ lvs2: notRunning });
    assert.deepEqual(agents.applies().map((c) => c.host).filter((h) => h.startsWith('lvs')), ['lvs2', 'lvs1']);
    assert.deepEqual(summary.groups?.[0].differing, [{ host: 'lvs2', status: 'failed' }]);
  });

  it('--limit one director already as planned: nothing changed, so no "tables differ" (and exit 0)', async () => {
    const { summary } = await rollout({ lvs1: { outcome: 'ok' } }, ['lvs1']);
    assert.equal(summary.hosts.find((h) => h.host === 'lvs1')?.status, 'ok');
    assert.deepEqual(summary.groups?.map((g) => g.tablesMatch), [true]);
    assert.equal(rolloutExitCode(summary), EXIT.ok);
  });

  it('a group left with two tables exits 2 naming the group and the director', async () => {
    const { summary } = await rollout({ lvs1: { outcome: 'failed' } });
    const group = summary.groups?.[0];
    assert.equal(group?.tablesMatch, false);
    assert.deepEqual(group?.differing, [{ host: 'lvs1', status: 'failed' }]);
    assert.equal(rolloutExitCode(summary), EXIT.hostFailed);
    // --limit one director whose table the rollout changed: the other is left behind
    const limited = await rollout({ lvs2: { steps: [{ kind: 'step', action: 'add-service', target: 'tcp 10.0.0.101:80', status: 'changed', message: '' }] } }, ['lvs2']);
    assert.deepEqual(limited.summary.groups?.[0].differing, [{ host: 'lvs1', status: 'not selected' }]);
    assert.equal(rolloutExitCode(limited.summary), EXIT.hostFailed);
  });

  it("refuses a director whose agent does not say it can put natGateway on natGatewayInterface: nothing sent to it, the upgrade named", async () => {
    const plan = structuredClone(HA_PLAN) as PlanInput & { directorGroups: Array<Record<string, unknown>> };
    Object.assign(plan.directorGroups[0], { natGateway: '192.168.10.1', natGatewayInterface: 'eth1' });
    const old = await rollout({}, undefined, plan);
    assert.ok(!old.agents.applies().some((c) => c.host.startsWith('lvs')), 'an old agent was sent the plan');
    const lvs2 = old.summary.hosts.find((h) => h.host === 'lvs2');
    assert.equal(lvs2?.status, 'failed');
    assert.match(lvs2?.reason ?? '', /\(lvsctl-agent 0\.1\.0\) cannot apply this plan as planned: it lacks vrrp-nat-gateway-interface \(group "front" puts natGateway on eth1; an older agent puts it on eth0, where a failover's gratuitous ARP reaches no realserver\); nothing was sent to it/);
    const done = old.events.find((e) => e.kind === 'host-done' && e.host === 'lvs2');
    assert.match(done?.kind === 'host-done' ? done.fix ?? '' : '', /upgrade lvsctl-agent on lvs2 \(lvsctl bootstrap PLAN --limit lvs2\)/);
    assert.equal(rolloutExitCode(old.summary), EXIT.hostFailed);
    const able = { capabilities: ['vrrp-nat-gateway-interface'] };
    const upgraded = await rollout({ lvs1: able, lvs2: able }, undefined, plan);
    assert.deepEqual(upgraded.agents.applies().map((c) => c.host).filter((h) => h.startsWith('lvs')), ['lvs2', 'lvs1']);
  });
});
