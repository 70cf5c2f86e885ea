import assert from 'assert';
import type { CommandDeadline } from '../../../controller/client/command-deadline';
import { executeRollout } from '../../../controller/cli/rollout-command';
import { planSchema } from '../../../controller/plan/schema';
import { ScriptedAgents, SHOP_PLAN } from './scripted-agents';

/** Runs a rollout of the shop plan (4 hosts) and returns the deadline its connector got. */
async function deadlineOf(options: Parameters<typeof executeRollout>[1]): Promise<CommandDeadline | undefined> {
  const plan = planSchema.parse(SHOP_PLAN);
  const agents = new ScriptedAgents({}, new Map(Object.entries(plan.hosts)));
  const given: (CommandDeadline | undefined)[] = [];
  await executeRollout('shop.json', options, {
    loadPlanFile: async () => ({ ok: true, plan, problems: [] }),
    resolveAddresses: async (p) => ({ addresses: new Map(Object.entries(p.hosts).map(([h, s]) => [h, s.address ?? ''])), problems: [] }),
    makeConnector: (deadline) => { given.push(deadline); return agents.connector; },
    stdout: { write: () => true }, stderr: { write: () => true }, env: {}, clock: () => 5,
  });
  assert.strictEqual(given.length, 1);
  return given[0];
}

describe('the deadline of lvsctl rollout', () => {
  it('is --deadline when given', async () => {
    const before = Date.now();
    const d = await deadlineOf({ bounds: { timeoutMs: 10_000, deadlineMs: 90_000 } });
    assert.strictEqual(d?.text, 'the command\'s deadline (--deadline 90s)');
    assert.ok(d && d.at >= before + 90_000 && d.at <= Date.now() + 90_000);
  });

  it('is derived: --timeout per wave of --parallel agents to connect, plus 30 minutes for the applies', async () => {
    // 4 hosts, --parallel 2: two waves of 10 s, then 30 m
    const d = await deadlineOf({ parallel: '2', bounds: { timeoutMs: 10_000 } });
    assert.strictEqual(d?.text, 'the command\'s deadline (1820s, derived from --timeout; set it with --deadline)');
  });

  it('is not set without bounds (tests with in-memory agents)', async () => {
    assert.strictEqual(await deadlineOf({}), undefined);
  });
});
