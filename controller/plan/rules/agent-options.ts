// A host's own agent options (hosts.NAME.agentOptions) must be ones its role's agent takes:
// lvsctl bootstrap writes them onto that agent's command line, and an option of the other
// role would either be refused at start or do nothing there.
import { agentOptionFits, PLAN_AGENT_OPTION_NAMES, PLAN_AGENT_OPTIONS } from '../../../lvs/agent-options';
import { toPointer, type PlanProblem } from '../errors';
import type { PlanView } from './view';

export function agentOptionProblems(view: PlanView): PlanProblem[] {
  const problems: PlanProblem[] = [];
  for (const [name, host] of view.hosts) {
    const options = host.agentOptions;
    if (options === undefined) continue;
    for (const option of PLAN_AGENT_OPTION_NAMES) {
      if (options[option] === undefined || agentOptionFits(option, host.role)) continue;
      const other = host.role === 'director' ? 'realserver' : 'director';
      problems.push({
        pointer: toPointer(['hosts', name, 'agentOptions', option]),
        message: `"${option}" (${PLAN_AGENT_OPTIONS[option].flag}) is a ${other} agent's option, and "${name}" is a ${host.role}`,
        hint: `remove it from ${name}, or set it on the ${other}s (/agent/${other}/${option})`,
      });
    }
  }
  return problems;
}
