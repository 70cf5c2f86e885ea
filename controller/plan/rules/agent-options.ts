// Agent options (agent.director, agent.realserver, hosts.NAME.agentOptions) must be ones the
// agents they are for take: lvsctl bootstrap writes them onto those agents' command lines, and
// an option of the other role would either be refused at start or do nothing there.
import { agentOptionFits, PLAN_AGENT_OPTION_NAMES, PLAN_AGENT_OPTIONS, type PlanAgentOptions } from '../../../lvs/agent-options';
import { toPointer, type PlanProblem } from '../errors';
import type { PlanView } from './view';
import { appendAll } from '../../../lvs/append';

type Role = 'director' | 'realserver';

export function agentOptionProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const { agent } = view;
  for (const role of ['director', 'realserver'] as const) {
    const options = agent?.[role];
    if (options) appendAll(problems, misplaced(options, role, ['agent', role], `the ${role}s`, (option, other) => `set it under /agent/${other}/${option} instead`));
  }
  for (const [name, host] of view.hosts) {
    const options = host.agentOptions;
    if (options) {
      appendAll(problems, misplaced(options, host.role, ['hosts', name, 'agentOptions'], `"${name}", a ${host.role}`,
        (option, other) => `remove it from ${name}, or set it on the ${other}s (/agent/${other}/${option})`));
    }
  }
  return problems;
}

/** The options in `options` an agent of `role` does not take, each with its fix. */
function misplaced(options: PlanAgentOptions, role: Role, at: (string | number)[], whose: string, fix: (option: string, other: Role) => string): PlanProblem[] {
  const other: Role = role === 'director' ? 'realserver' : 'director';
  return PLAN_AGENT_OPTION_NAMES
    .filter((option) => options[option] !== undefined && !agentOptionFits(option, role))
    .map((option) => ({
      pointer: toPointer([...at, option]),
      message: `"${option}" (${PLAN_AGENT_OPTIONS[option].flag}) is a ${other} agent's option, not one for ${whose}`,
      hint: fix(option, other),
    }));
}
