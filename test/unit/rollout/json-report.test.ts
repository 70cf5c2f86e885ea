import assert from 'assert';
import { JsonReport, type RolloutJsonDocument } from '../../../controller/report/json';
import { runRollout } from '../../../controller/rollout/run-rollout';
import { rolloutExitCode } from '../../../controller/rollout/exit-code';
import { ScriptedAgents, compileShop, step, type AgentScript } from './scripted-agents';

async function jsonOutput(scripts: Record<string, AgentScript>, diff = false): Promise<string> {
  const { plans, targets } = compileShop();
  const agents = new ScriptedAgents(scripts, plans);
  const report = new JsonReport(diff);
  const summary = await runRollout({
    plans, targets, connector: agents.connector, mode: 'apply', parallel: 2, onEvent: (e) => report.onEvent(e), clock: () => 7,
  });
  return report.render({ plan: 'shop.json', cluster: 'shop' }, summary, rolloutExitCode(summary));
}

const diffs = [{ kind: 'diff' as const, subject: 'marks' as const, before: '', after: '-A LVSCTL-MARK ...' }];

describe('--json rollout output', () => {
  it('is one parseable JSON document with the events and the recap', async () => {
    const text = await jsonOutput({ lvs1: { steps: [step('add-service', 'tcp 10.0.0.100:80', 'changed')] } });
    const doc = JSON.parse(text) as RolloutJsonDocument;
    assert.strictEqual(doc.command, 'rollout');
    assert.strictEqual(doc.generation, 7);
    assert.strictEqual(doc.exitCode, 0);
    assert.deepStrictEqual(doc.recap.map((h) => [h.host, h.status]), [['web1', 'ok'], ['web2', 'ok'], ['web3', 'ok'], ['lvs1', 'changed']]);
    assert.ok(doc.events.some((e) => e.kind === 'agent' && e.host === 'lvs1' && e.event.kind === 'step' && e.event.action === 'add-service'));
    assert.deepStrictEqual(doc.events.filter((e) => e.kind === 'phase').map((e) => e.kind === 'phase' && e.phase), ['connect', 'realservers', 'directors']);
  });

  it('carries the exit code and why the directors were not applied', async () => {
    const doc = JSON.parse(await jsonOutput({ web2: { unreachableAt: 'hello' } })) as RolloutJsonDocument;
    assert.strictEqual(doc.exitCode, 3);
    assert.match(doc.stoppedBeforeDirectors ?? '', /realserver web2 unreachable/);
  });

  it('includes the before/after blocks only with --diff', async () => {
    const hasDiff = (text: string): boolean =>
      (JSON.parse(text) as RolloutJsonDocument).events.some((e) => e.kind === 'agent' && e.event.kind === 'diff');
    assert.strictEqual(hasDiff(await jsonOutput({ lvs1: { diffs } })), false);
    assert.strictEqual(hasDiff(await jsonOutput({ lvs1: { diffs } }, true)), true);
  });
});
