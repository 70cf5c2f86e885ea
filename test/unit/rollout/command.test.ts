import assert from 'assert';
import { executeRollout, parseParallel, RolloutUsageError, type RolloutCommandDeps, type RolloutCommandOptions } from '../../../controller/cli/rollout-command';
import { planSchema } from '../../../controller/plan/schema';
import type { PlanProblem } from '../../../controller/plan/errors';
import { ScriptedAgents, SHOP_PLAN, step, type AgentScript } from './scripted-agents';

interface Run { code: number; stdout: string; stderr: string; agents: ScriptedAgents }

async function run(
  options: RolloutCommandOptions,
  setup: {
    scripts?: Record<string, AgentScript>; loadProblems?: PlanProblem[]; loadWarnings?: PlanProblem[]; resolveProblems?: PlanProblem[]; tty?: boolean;
    env?: Record<string, string>;
  } = {},
): Promise<Run> {
  const plan = planSchema.parse(SHOP_PLAN);
  const agents = new ScriptedAgents(setup.scripts ?? {}, new Map(Object.entries(plan.hosts)));
  let stdout = '';
  let stderr = '';
  const deps: RolloutCommandDeps = {
    loadPlanFile: async () => (setup.loadProblems ? { ok: false, problems: setup.loadProblems } : { ok: true, plan, problems: [], warnings: setup.loadWarnings ?? [] }),
    resolveAddresses: async (p) => ({
      addresses: new Map(Object.entries(p.hosts).map(([h, spec]) => [h, spec.address ?? ''])),
      problems: setup.resolveProblems ?? [],
    }),
    makeConnector: () => agents.connector,
    stdout: { write: (t: string) => { stdout += t; }, isTTY: setup.tty ?? false },
    stderr: { write: (t: string) => { stderr += t; } },
    env: setup.env ?? {},
    clock: () => 5,
  };
  const code = await executeRollout('shop.json', options, deps);
  return { code, stdout, stderr, agents };
}

describe('lvsctl rollout PLAN', () => {
  it('rolls out and exits 0, printing the recap', async () => {
    const r = await run({});
    assert.strictEqual(r.code, 0);
    assert.match(r.stdout, /lvs1 : ok=0 changed=0 failed=0 unreachable=0/);
    assert.strictEqual(r.stderr, '');
  });

  it('with LVSCTL_TRACE=1, marks its phases and each agent call on stderr, stdout and exit code unchanged', async () => {
    for (const options of [{}, { json: true }, { diff: true }] as RolloutCommandOptions[]) {
      const scripts = { web1: { steps: [step('check-arp_ignore', 'net.ipv4.conf.all.arp_ignore', 'changed', 'set to 1')] } };
      const plain = await run(options, { scripts });
      const traced = await run(options, { scripts, env: { LVSCTL_TRACE: '1' } });
      // the recap's generation is the clock, the same in both
      assert.strictEqual(traced.stdout, plain.stdout);
      // the traced clients still prepare: the same calls reach the agents
      assert.deepStrictEqual(traced.agents.calls.map((c) => [c.host, c.op, c.mode]), plain.agents.calls.map((c) => [c.host, c.op, c.mode]));
      assert.ok(traced.agents.calls.some((c) => c.op === 'prepare'));
      assert.strictEqual(traced.code, plain.code);
      const marks = traced.stderr.split('\n').filter((l) => l !== '');
      for (const m of marks) assert.match(m, /^lvsctl-trace \d{4}-\d\d-\d\dT\S+Z \+\d+ms \S/);
      const whats = marks.map((m) => m.replace(/^lvsctl-trace \S+ \+\d+ms /, ''));
      for (const expected of ['command started', 'plan loaded and validated', 'host plans compiled', 'phase connect', 'hello asked lvs1', 'hello answered lvs1', 'prepare (apply) lvs1',
        'phase realservers', 'apply called (apply) web1', 'first event (step) web1', 'result event (changed) web1', 'apply done (2 events) web1',
        'phase directors', 'apply done (1 events) lvs1', 'report written']) {
        assert.ok(whats.includes(expected), `no mark "${expected}" in:\n${whats.join('\n')}`);
      }
      assert.strictEqual(whats[whats.length - 1], 'report written');
    }
  });

  it('marks nothing with LVSCTL_TRACE unset, empty or 0', async () => {
    for (const env of [{}, { LVSCTL_TRACE: '' }, { LVSCTL_TRACE: '0' }] as Array<Record<string, string>>) {
      const r = await run({}, { env });
      assert.strictEqual(r.stderr, '');
    }
  });

  it('refuses an invalid plan with its problems, as validate prints them, exit 1, contacting no agent', async () => {
    const r = await run({}, { loadProblems: [{ pointer: '/services/0/persistance', message: 'unknown key "persistance"', hint: 'did you mean "persistence"?' }] });
    assert.strictEqual(r.code, 1);
    assert.strictEqual(r.stderr, 'shop.json: /services/0/persistance: unknown key "persistance" (did you mean "persistence"?)\n');
    assert.strictEqual(r.agents.calls.length, 0);
  });

  it('with --json, refuses an invalid plan with one JSON document', async () => {
    const r = await run({ json: true }, { loadProblems: [{ pointer: '/cluster', message: 'must match [a-z0-9][a-z0-9-]*' }] });
    assert.strictEqual(r.code, 1);
    assert.strictEqual(r.stderr, '');
    // the document health, status and connections --json print for an invalid plan too
    assert.deepStrictEqual(JSON.parse(r.stdout) as { problems: PlanProblem[] }, {
      command: 'rollout', plan: 'shop.json', problems: [{ pointer: '/cluster', message: 'must match [a-z0-9][a-z0-9-]*' }], exitCode: 1,
    });
  });

  it('prints plan warnings on stderr and goes on, leaving stdout to the one JSON document', async () => {
    const warning = { pointer: '/services/1', message: 'NAT FTP on port 21 needs the ip_vs_ftp helper' };
    const r = await run({ json: true }, { loadWarnings: [warning] });
    assert.strictEqual(r.code, 0);
    assert.strictEqual(r.stderr, 'shop.json: /services/1: warning: NAT FTP on port 21 needs the ip_vs_ftp helper\n');
    assert.doesNotThrow(() => JSON.parse(r.stdout));
  });

  it('refuses a host whose address cannot be resolved, exit 1', async () => {
    const r = await run({}, { resolveProblems: [{ pointer: '/hosts/web2', message: 'no address: not in ~/.ssh/config, no DNS answer' }] });
    assert.strictEqual(r.code, 1);
    assert.match(r.stderr, /shop\.json: \/hosts\/web2: no address/);
  });

  it('refuses an unknown --limit host, naming the known hosts', async () => {
    await assert.rejects(run({ limit: ['web1,web9'] }), (err: Error) => {
      assert.ok(err instanceof RolloutUsageError);
      assert.match(err.message, /--limit: web9 is not a host of shop\.json; known hosts: lvs1, web1, web2, web3/);
      return true;
    });
  });

  it('takes --limit as a comma list, repeated or not', async () => {
    const r = await run({ limit: ['web1,web2', 'web3'] });
    assert.deepStrictEqual([...new Set(r.agents.applies().map((c) => c.host))].sort(), ['web1', 'web2', 'web3']);
  });

  it('passes --check to every agent and exits 0 when nothing failed', async () => {
    const r = await run({ check: true }, { scripts: { lvs1: { steps: [step('add-service', 'tcp 10.0.0.100:80', 'changed')] } } });
    assert.strictEqual(r.code, 0);
    assert.ok(r.agents.applies().every((c) => c.mode === 'check'));
    assert.match(r.stdout, /lvs1  changed  add-service tcp 10\.0\.0\.100:80/);
  });

  it('exits 2 when a realserver fails and 3 when one is unreachable', async () => {
    const failed = await run({}, { scripts: { web1: { steps: [step('check-vip', '10.0.0.100 on lo', 'failed', 'missing', 'ip addr add 10.0.0.100/32 dev lo')] } } });
    assert.strictEqual(failed.code, 2);
    const unreachable = await run({}, { scripts: { web1: { unreachableAt: 'connect' } } });
    assert.strictEqual(unreachable.code, 3);
  });

  it('with --json prints exactly one JSON document on stdout and nothing else', async () => {
    const r = await run({ json: true, diff: true }, { scripts: { web3: { unreachableAt: 'hello' } } });
    const doc = JSON.parse(r.stdout) as { exitCode: number; recap: unknown[] };
    assert.strictEqual(doc.exitCode, 3);
    assert.strictEqual(r.code, 3);
    assert.strictEqual(doc.recap.length, 4);
  });

  it('colors only a terminal', async () => {
    assert.ok(!(await run({})).stdout.includes('\u001b['));
    assert.ok((await run({}, { tty: true })).stdout.includes('\u001b['));
  });
});

describe('--parallel', () => {
  it('takes a positive integer', () => {
    assert.strictEqual(parseParallel('3'), 3);
    assert.strictEqual(parseParallel(undefined), 10);
  });

  it('takes up to 1000, as bootstrap does', () => {
    assert.strictEqual(parseParallel('1000'), 1000);
  });

  for (const bad of ['0', '-2', '1.5', 'many', '', '1001', '100000000000']) {
    it(`refuses "${bad}" naming the option and its bound`, () => {
      assert.throws(() => parseParallel(bad), /^Error: --parallel "[^"]*": must be a whole number from 1 to 1000, e\.g\. --parallel 5$/);
    });
  }
});
