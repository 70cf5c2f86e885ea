import assert from 'assert';
import { HumanReport } from '../../../controller/report/human';
import { shouldUseColor } from '../../../controller/report/color';
import { diffLines } from '../../../controller/report/diff-lines';
import { runRollout } from '../../../controller/rollout/run-rollout';
import type { RolloutSummary } from '../../../controller/rollout/events';
import { ScriptedAgents, compileShop, step, type AgentScript } from './scripted-agents';

async function humanOutput(
  scripts: Record<string, AgentScript>,
  options: { diff?: boolean; color?: boolean; mode?: 'check' | 'apply' } = {},
): Promise<{ text: string; summary: RolloutSummary }> {
  const { plans, targets } = compileShop();
  const agents = new ScriptedAgents(scripts, plans);
  let text = '';
  const report = new HumanReport({
    write: (t) => { text += t; }, color: options.color ?? false, diff: options.diff ?? false, hosts: [...plans.keys()],
  });
  const mode = options.mode ?? 'apply';
  report.heading({ planPath: 'shop.json', cluster: 'shop', mode });
  const summary = await runRollout({
    plans, targets, connector: agents.connector, mode, parallel: 4, onEvent: (e) => report.onEvent(e), clock: () => 1,
  });
  report.recap(summary);
  return { text, summary };
}

const lvs1Changes = [
  step('add-service', 'tcp 10.0.0.100:80', 'changed'),
  step('add-destination', 'tcp 10.0.0.100:80 -> 10.0.0.11:80', 'changed'),
  step('mark-chain', 'LVSCTL-MARK', 'ok'),
];

describe('human rollout output', () => {
  it('prints one line per step per host, as the agent streams it', async () => {
    const { text } = await humanOutput({ lvs1: { steps: lvs1Changes } });
    assert.ok(text.includes('lvs1  changed  add-service tcp 10.0.0.100:80\n'), text);
    assert.ok(text.includes('lvs1  ok  mark-chain LVSCTL-MARK\n'), text);
  });

  it('shows an agent\'s control characters (a terminal escape) as "?": a hostile agent cannot drive the operator\'s terminal', async () => {
    const hostile = { ...step('add-service', 'tcp 10.0.0.100:80\u001b[2J', 'failed'), message: 'x\u001b]0;pwned\u0007\r\u001b[1A', fix: 'rm -rf /\u001b[0m' };
    const { text } = await humanOutput({ lvs1: { steps: [hostile] } });
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f]/);
    assert.ok(text.includes('lvs1  failed  add-service tcp 10.0.0.100:80?[2J: x?]0;pwned???[1A\n'), text);
    assert.ok(text.includes('fix: rm -rf /?[0m\n'), text);
  });

  it('prints a header per phase, realservers before directors', async () => {
    const { text } = await humanOutput({});
    const connect = text.indexOf('PHASE [connect');
    const realservers = text.indexOf('PHASE [realservers');
    const directors = text.indexOf('PHASE [directors');
    assert.ok(connect >= 0 && connect < realservers && realservers < directors, text);
  });

  it('ends with an Ansible-like recap line per host', async () => {
    const { text } = await humanOutput({ lvs1: { steps: lvs1Changes } });
    assert.match(text, /RECAP \*+\n/);
    assert.ok(text.includes('lvs1 : ok=3 changed=2 failed=0 unreachable=0'), text);
    assert.ok(text.includes('web1 : ok=0 changed=0 failed=0 unreachable=0'), text);
  });

  it('shows a failed check with the command that fixes it, and why the directors were not applied', async () => {
    const failure = step('check-arp_ignore', 'net.ipv4.conf.all.arp_ignore', 'failed', 'is 0, want 1', 'sysctl -w net.ipv4.conf.all.arp_ignore=1');
    const { text } = await humanOutput({ web1: { steps: [failure] } });
    assert.ok(text.includes('web1  failed  check-arp_ignore net.ipv4.conf.all.arp_ignore: is 0, want 1\n      fix: sysctl -w net.ipv4.conf.all.arp_ignore=1\n'), text);
    assert.match(text, /lvs1  skipped  not applied: realserver web1 failed check check-arp_ignore/);
    assert.match(text, /stopped before the directors: realserver web1 failed check check-arp_ignore/);
    assert.ok(text.includes('lvs1 : ok=0 changed=0 failed=0 unreachable=0 skipped=1'), text);
  });

  it('names the reason of an unreachable agent', async () => {
    const { text } = await humanOutput({ web3: { unreachableAt: 'connect' } });
    assert.match(text, /web3  unreachable  connect ECONNREFUSED 10\.0\.0\.13:7400/);
  });

  it('shows before/after blocks only with --diff', async () => {
    const diffs = [{ kind: 'diff' as const, subject: 'ipvs' as const, before: '-A -t 10.0.0.100:80 -s wlc\n', after: '-A -t 10.0.0.100:80 -s rr\n' }];
    const without = await humanOutput({ lvs1: { diffs } });
    assert.ok(!without.text.includes('+++ after'), without.text);
    const withDiff = await humanOutput({ lvs1: { diffs } }, { diff: true });
    assert.match(withDiff.text, /lvs1  diff  ipvs\n +--- before\n +\+\+\+ after\n +- -A -t 10\.0\.0\.100:80 -s wlc\n +\+ -A -t 10\.0\.0\.100:80 -s rr\n/);
  });

  it('says in check mode that nothing was changed', async () => {
    const { text } = await humanOutput({}, { mode: 'check' });
    assert.match(text, /check mode: nothing was changed/);
    assert.match(text, /PHASE \[directors: what would change \(check mode\)\]/);
  });

  it('uses no escape codes without color, and paints statuses with it', async () => {
    const plain = await humanOutput({ lvs1: { steps: lvs1Changes } });
    assert.ok(!plain.text.includes('\u001b['));
    const painted = await humanOutput({ lvs1: { steps: lvs1Changes } }, { color: true });
    assert.ok(painted.text.includes('\u001b[33mchanged\u001b[0m'));
  });
});

describe('when to color', () => {
  it('colors only a terminal with NO_COLOR unset', () => {
    assert.strictEqual(shouldUseColor({ isTTY: true }, {}), true);
    assert.strictEqual(shouldUseColor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.strictEqual(shouldUseColor({ isTTY: false }, {}), false);
    assert.strictEqual(shouldUseColor({}, {}), false);
  });
});

describe('diff of a managed table', () => {
  it('lists removed and added lines and counts the unchanged ones, whatever their order', () => {
    const d = diffLines('a\nb\nc\n', 'c\nb\nd\n');
    assert.deepStrictEqual(d, { removed: ['a'], added: ['d'], unchanged: 2 });
  });

  it('keeps duplicate lines apart', () => {
    assert.deepStrictEqual(diffLines('x\nx\n', 'x\n'), { removed: ['x'], added: [], unchanged: 1 });
  });
});
