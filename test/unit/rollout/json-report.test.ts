import assert from 'assert';
import { JsonReport, type RolloutJsonDocument } from '../../../controller/report/json';
import { runRollout } from '../../../controller/rollout/run-rollout';
import { rolloutExitCode } from '../../../controller/rollout/exit-code';
import { ScriptedAgents, compileShop, step, type AgentScript } from './scripted-agents';

async function jsonOutput(scripts: Record<string, AgentScript>, diff = false, maxAgentEvents?: number, maxAgentEventChars?: number): Promise<string> {
  const { plans, targets } = compileShop();
  const agents = new ScriptedAgents(scripts, plans);
  const report = new JsonReport(diff, maxAgentEvents, maxAgentEventChars);
  const summary = await runRollout({
    plans, targets, connector: agents.connector, mode: 'apply', parallel: 2, onEvent: (e) => report.onEvent(e), clock: () => 7,
  });
  return report.render({ plan: 'shop.json', cluster: 'shop' }, summary, rolloutExitCode(summary));
}

const diffs = [{ kind: 'diff' as const, subject: 'marks' as const, before: '', after: '-A LVSCTL-MARK ...' }];

describe('--json rollout output', () => {
  it('is written a piece at a time, and the pieces are JSON.stringify\'s document to the character', async () => {
    const { plans, targets } = compileShop();
    const many = Array.from({ length: 3000 }, (_, i) => step('add-destination', `tcp 10.0.0.100:80 -> 10.0.${Math.floor(i / 250)}.${i % 250}:80`, 'changed'));
    const report = new JsonReport(false);
    const summary = await runRollout({
      plans, targets, connector: new ScriptedAgents({ lvs1: { steps: many } }, plans).connector, mode: 'apply', parallel: 2, onEvent: (e) => report.onEvent(e), clock: () => 7,
    });
    const pieces: string[] = [];
    report.writeTo((p) => pieces.push(p), { plan: 'shop.json', cluster: 'shop' }, summary, 0);
    assert.strictEqual(pieces.join(''), `${JSON.stringify(report.document({ plan: 'shop.json', cluster: 'shop' }, summary, 0), null, 2)}\n`);
    // an empty event list too (no agent asked)
    const empty = new JsonReport(false);
    assert.strictEqual(empty.render({ plan: 'p', cluster: 'c' }, summary, 0), `${JSON.stringify(empty.document({ plan: 'p', cluster: 'c' }, summary, 0), null, 2)}\n`);
  });

  it('keeps the agents\' events up to its bound, counts the rest per host, and keeps every host\'s end', async () => {
    const many = Array.from({ length: 50 }, (_, i) => step('add-destination', `tcp 10.0.0.100:80 -> 10.0.1.${i}:80`, 'changed'));
    const doc = JSON.parse(await jsonOutput({ lvs1: { steps: many } }, false, 10)) as RolloutJsonDocument;
    assert.strictEqual(doc.events.filter((e) => e.kind === 'agent').length, 10);
    assert.ok((doc.eventsLeftOut?.lvs1 ?? 0) > 0, JSON.stringify(doc.eventsLeftOut));
    assert.deepStrictEqual(doc.events.filter((e) => e.kind === 'host-done').map((e) => e.kind === 'host-done' && e.host).sort(), ['lvs1', 'web1', 'web2', 'web3']);
    assert.strictEqual(doc.exitCode, 0);
  });

  it('keeps the agents\' events up to a bound on their text too: a few events of a megabyte each fill it, and the rest are counted', async () => {
    const big = Array.from({ length: 20 }, (_, i) => step('check-x', `t${i}`, 'ok', 'y'.repeat(1_000_000)));
    const doc = JSON.parse(await jsonOutput({ lvs1: { steps: big } }, false, undefined, 5_000_000)) as RolloutJsonDocument;
    const kept = doc.events.filter((e) => e.kind === 'agent' && e.event.kind === 'step');
    assert.strictEqual(kept.length, 4);
    assert.ok((doc.eventsLeftOut?.lvs1 ?? 0) >= 16, JSON.stringify(doc.eventsLeftOut));
    assert.deepStrictEqual(doc.events.filter((e) => e.kind === 'host-done').map((e) => e.kind === 'host-done' && e.host).sort(), ['lvs1', 'web1', 'web2', 'web3']);
  });

  it('keeps the start of the stream: once an event does not fit, the smaller ones after it are counted too', async () => {
    const steps = [step('check-x', 'a', 'ok', 'y'.repeat(1000)), step('check-x', 'big', 'ok', 'y'.repeat(10_000)), step('check-x', 'small', 'ok', 'y')];
    const doc = JSON.parse(await jsonOutput({ lvs1: { steps } }, false, undefined, 5000)) as RolloutJsonDocument;
    const targets = doc.events.flatMap((e) => (e.kind === 'agent' && e.event.kind === 'step' ? [e.event.target] : []));
    assert.deepStrictEqual(targets, ['a']);
    assert.ok((doc.eventsLeftOut?.lvs1 ?? 0) >= 2, JSON.stringify(doc.eventsLeftOut));
  });

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
