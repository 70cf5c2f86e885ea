// The agents' own options in a plan: per role (agent.director, agent.realserver), per host
// (hosts.NAME.agentOptions), each checked as the agent checks its command line, and written
// by lvsctl bootstrap after the options it decides itself.
import { strict as assert } from 'node:assert';
import { defaultsText, type HostFilesInput } from '../../../controller/bootstrap/remote-files';
import { planSchema, type PlanInput } from '../../../controller/plan/schema';
import { resolveAgentConfig } from '../../../agent/server/agent-config';
import { buildProgram } from '../../../agent/command-line';
import { agentOptionWords, misplacedAgentOptions, PLAN_AGENT_OPTIONS, type PlanAgentOptions } from '../../../lvs/agent-options';
import { basePlan, expectProblem, expectValid, type JsonObject } from './helpers';

const withOptions = (agent: JsonObject, hostOptions: Record<string, JsonObject> = {}): JsonObject => {
  const plan = basePlan();
  const hosts = plan.hosts as Record<string, JsonObject>;
  for (const [name, options] of Object.entries(hostOptions)) hosts[name] = { ...hosts[name], agentOptions: options };
  return { ...plan, agent: { port: 7400, ...agent }, hosts };
};

const everyDirectorOption = {
  ipvs: 'netlink', iptables: 'nft', drainTimeout: '60s', execChecks: '/etc/lvsctl/checks',
  keepalivedConfig: '/etc/keepalived/keepalived.conf', keepalivedPidfile: '/run/keepalived.pid',
  metrics: '127.0.0.1:9400', optimizingCompiler: 'on', logLevel: 'debug', listenOn: 'address',
};
const everyRealserverOption = { selfCheckInterval: '30s', metrics: '[::1]:9400', optimizingCompiler: 'off', logLevel: 'warn', listenOn: 'any' };

describe('the agents\' options in a plan', () => {
  it('takes every option of each role, per role and per host', () => {
    expectValid(withOptions({ director: everyDirectorOption, realserver: everyRealserverOption }, { lvs1: { optimizingCompiler: 'auto' }, web1: { selfCheckInterval: '5s' } }));
  });

  it('refuses an option of the other role, per role by the schema and per host by name, with the fix', () => {
    const perRole = expectProblem(withOptions({ realserver: { execChecks: '/etc/lvsctl/checks' } }), '/agent/realserver/execChecks',
      /"execChecks" \(--exec-checks\) is a director agent's option, not one for the realservers/);
    assert.equal(perRole.hint, 'set it under /agent/director/execChecks instead');
    expectProblem(withOptions({ director: { selfCheckInterval: '10s' } }), '/agent/director/selfCheckInterval', /a realserver agent's option, not one for the directors/);
    const perHost = expectProblem(withOptions({}, { web1: { execChecks: '/etc/lvsctl/checks' } }), '/hosts/web1/agentOptions/execChecks',
      /"execChecks" \(--exec-checks\) is a director agent's option, not one for "web1", a realserver/);
    assert.equal(perHost.hint, 'remove it from web1, or set it on the directors (/agent/director/execChecks)');
    expectProblem(withOptions({}, { lvs1: { selfCheckInterval: '10s' } }), '/hosts/lvs1/agentOptions/selfCheckInterval', /realserver agent's option, not one for "lvs1", a director/);
    // the rule also runs when another part of the plan fails the schema
    const broken = { ...withOptions({ realserver: { execChecks: '/etc/lvsctl/checks' } }), services: 'none' };
    expectProblem(broken, '/agent/realserver/execChecks', /a director agent's option/);
  });

  it('names the options an agent was given that another role takes, for its warning', () => {
    const given = ['role', 'listen', 'drainTimeout', 'execChecks', 'selfCheckInterval', 'logLevel'];
    assert.deepStrictEqual(misplacedAgentOptions('realserver', given), ['drainTimeout', 'execChecks']);
    assert.deepStrictEqual(misplacedAgentOptions('director', given), ['selfCheckInterval']);
    assert.deepStrictEqual(misplacedAgentOptions('director', []), []);
  });

  it('refuses a value the agent would refuse to start with, saying what it must be', () => {
    expectProblem(withOptions({ director: { ipvs: 'kernel' } }), '/agent/director/ipvs', /netlink/);
    expectProblem(withOptions({ director: { drainTimeout: '500ms' } }), '/agent/director/drainTimeout', /from 1s to 1440m/);
    expectProblem(withOptions({ realserver: { selfCheckInterval: '2h' } }), '/agent/realserver/selfCheckInterval', /duration from 1s to 60m/);
    expectProblem(withOptions({ director: { execChecks: 'checks' } }), '/agent/director/execChecks', /absolute path/);
    expectProblem(withOptions({ director: { execChecks: '/' } }), '/agent/director/execChecks', /must be a directory of check scripts only: \/ holds programs that are not check scripts/);
    expectProblem(withOptions({ director: { execChecks: '/etc/my checks' } }), '/agent/director/execChecks', /one word/);
    expectProblem(withOptions({}, { web2: { metrics: 'localhost:9400' } }), '/hosts/web2/agentOptions/metrics', /numeric address/);
    expectProblem(withOptions({ director: { logLevel: 'loud' } }), '/agent/director/logLevel', /debug/);
    expectProblem(withOptions({}, { lvs1: { listenOn: '10.0.0.1' } }), '/hosts/lvs1/agentOptions/listenOn', /"any"|any.*address/);
    // what bootstrap decides itself is no plan option
    expectProblem(withOptions({ director: { listen: '0.0.0.0:7400' } }), '/agent/director/listen', /unknown key "listen"/);
  });

  it('gives the agent a command line it starts with: every option a flag of lvsctl-agent, every accepted value taken', () => {
    const flags = new Set(buildProgram().options.map((o) => o.long));
    for (const { flag } of Object.values(PLAN_AGENT_OPTIONS)) assert.ok(flags.has(flag), `${flag} is an lvsctl-agent option`);
    const plan = planSchema.parse(withOptions({ director: everyDirectorOption, realserver: everyRealserverOption }) as unknown as PlanInput);
    for (const role of ['director', 'realserver'] as const) {
      const program = buildProgram();
      program.parse(['--role', role, '--insecure', ...agentOptionWords(plan.agent[role] ?? {})], { from: 'user' });
      const config = resolveAgentConfig(program.opts());
      assert.equal(config.role, role);
    }
  });
});

describe('lvsctl bootstrap writes the plan\'s agent options', () => {
  const input: Omit<HostFilesInput, 'agent' | 'unitText' | 'caCert' | 'hostCert' | 'hostKey'> = {
    host: 'lvs1', role: 'director', address: '10.0.0.1', port: 7400, cluster: 'shop', allow: ['controller'],
  };

  it('after the options it decides, in one order whatever the plan\'s', () => {
    const options: PlanAgentOptions = { logLevel: 'debug', execChecks: '/etc/lvsctl/checks', drainTimeout: '60s' };
    assert.match(defaultsText({ ...input, options }),
      /^LVSCTL_AGENT_ARGS="--role director --listen 0\.0\.0\.0:7400 .* --allow controller --drain-timeout 60s --exec-checks \/etc\/lvsctl\/checks --log-level debug"$/m);
    assert.match(defaultsText(input), /--allow controller"$/m);
  });
});
